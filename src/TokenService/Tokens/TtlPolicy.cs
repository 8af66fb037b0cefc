using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokenService.Data;
using TokenService.Options;
using TokenService.Principals;

namespace TokenService.Tokens;

/// <summary>
/// The TTL policy seam: turns (principal, app/org setting, requested <c>ttl</c>) into a lifetime or a refusal.
/// Every grant on every path asks here. All inputs are milliseconds.
/// </summary>
public sealed class TtlPolicy(TokenServiceDbContext db, IOptions<TokenLifetimeOptions> options, FreshCache<TtlSetting> cache)
{
    private static readonly CompiledQuery<Func<TokenServiceDbContext, Guid, CancellationToken, Task<long?>>> OrgTtl = new(() => EF.CompileAsyncQuery(
        (TokenServiceDbContext db, Guid id, CancellationToken _) => db.Organizations.AsNoTracking().Where(o => o.Id == id).Select(o => o.AccessTokenTtl).FirstOrDefault()));

    private static readonly CompiledQuery<Func<TokenServiceDbContext, Guid, CancellationToken, Task<long?>>> AppTtl = new(() => EF.CompileAsyncQuery(
        (TokenServiceDbContext db, Guid id, CancellationToken _) => db.Applications.AsNoTracking().Where(a => a.Id == id).Select(a => a.AccessTokenTtl).FirstOrDefault()));

    /// <summary>Decides the lifetime of a token about to be issued to <paramref name="principal"/>.</summary>
    public async Task<TtlDecision> DecideAsync(Caller principal, string? requestedTtl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        // A TTL change applies to the next token: at once on the instance that made it, within a second elsewhere.
        var configured = PrincipalKinds.Of(principal.Type).Ttl switch
        {
            TtlSource.Organization when principal.OrgId is { } org => await SettingAsync(org, OrgTtl, cancellationToken),
            TtlSource.Application when principal.AppId is { } app => await SettingAsync(app, AppTtl, cancellationToken),
            _ => null,
        };
        return Decide(configured ?? options.Value.DefaultTtl, requestedTtl);
    }

    /// <summary>The organization or application whose <c>accesstokenttl</c> governs tokens of <paramref name="principal"/>.</summary>
    public static Guid? SettingOwner(Caller principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return PrincipalKinds.Of(principal.Type).Ttl switch
        {
            TtlSource.Organization => principal.OrgId,
            TtlSource.Application => principal.AppId,
            _ => null,
        };
    }

    private async ValueTask<long?> SettingAsync(Guid id,
        CompiledQuery<Func<TokenServiceDbContext, Guid, CancellationToken, Task<long?>>> query, CancellationToken cancellationToken) =>
        (await cache.GetOrLoadAsync(id, (Db: db, Id: id, Query: query),
            static async (state, cancellation) => new TtlSetting(await state.Query.For(state.Db)(state.Db, state.Id, cancellation)),
            cancellationToken))!.Ttl;

    /// <summary>
    /// Missing or <c>0</c> means the maximum; a maximum of <c>0</c> means "never expires", and then a
    /// positive <c>ttl</c> up to <see cref="TokenLifetimeOptions.CeilingTtl"/> still narrows it.
    /// </summary>
    public static TtlDecision Decide(long maximumTtl, string? requestedTtl)
    {
        var ceiling = maximumTtl == 0 ? TokenLifetimeOptions.CeilingTtl : maximumTtl;
        if (requestedTtl is null)
        {
            return TtlDecision.For(maximumTtl);
        }

        if (!long.TryParse(requestedTtl, NumberStyles.None, CultureInfo.InvariantCulture, out var requested) ||
            requested > ceiling)
        {
            return TtlDecision.Refuse(string.Create(CultureInfo.InvariantCulture,
                $"ttl must be a whole number of milliseconds between 0 and the maximum of {ceiling}."));
        }

        return TtlDecision.For(requested == 0 ? maximumTtl : requested);
    }
}

/// <summary>A token lifetime (<c>null</c> with no error = never expires) or the reason the request is refused.</summary>
public sealed record TtlDecision(TimeSpan? Lifetime, string? Error)
{
    public static TtlDecision For(long ttl) => new(ttl == 0 ? null : TimeSpan.FromMilliseconds(ttl), null);

    public static TtlDecision Refuse(string error) => new(null, error);
}

/// <summary>An organization's or application's <c>accesstokenttl</c> (<c>null</c>: the service default).</summary>
public sealed record TtlSetting(long? Ttl);
