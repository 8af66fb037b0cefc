using OpenIddict.Server.AspNetCore;
using TokenService.Data;
using TokenService.Data.Entities;
using TokenService.Database;
using TokenService.Principals;

namespace TokenService.Audit;

/// <summary>The kinds of <see cref="AuditEvent"/> the service records.</summary>
public static class AuditKinds
{
    public const string TokenIssued = "token_issued";
    public const string TokenRevoked = "token_revoked";
    public const string TokensRevoked = "tokens_revoked";
    public const string TtlChanged = "ttl_changed";
    public const string CredentialsRegenerated = "credentials_regenerated";
    public const string AuthenticationFailed = "authentication_failed";
}

/// <summary>
/// Writes audit events. Who acted and from where come from the request being served (the management API's resolved
/// caller, or the OAuth client of a protocol request); events go through the group-commit writer, and a request that
/// records one is answered only after it is stored.
/// </summary>
public sealed class AuditLog(
    IHttpContextAccessor http, TokenInsertBatcher writer, TimeProvider clock, TokenServiceDbContext db, Telemetry.ServiceMetrics metrics)
{
    public async Task RecordAsync(string kind, Guid? organizationId, string? target, string? detail = null, string? actor = null)
    {
        var audit = Create(kind, organizationId, target, detail, actor);
        if (db.Database.CurrentTransaction is not null)
        {
            // Inside the request's own transaction the event commits with it. Handing it to the shared writer instead
            // would wait for a write lock this request holds until it is answered.
            db.AuditEvents.Add(audit);
            await db.SaveChangesAsync();
            Written(1);
            return;
        }

        await writer.InsertAsync(audit);
    }

    /// <summary>Counts events a caller stored with its own change (the writer counts its own).</summary>
    public void Written(int count) => metrics.AuditEventsWritten(count);

    /// <summary>An event stamped with the current time, actor and address, not yet stored.</summary>
    public AuditEvent Create(string kind, Guid? organizationId, string? target, string? detail = null, string? actor = null) => new()
    {
        At = clock.GetUtcNow().ToUnixTimeMilliseconds(),
        OrganizationId = organizationId,
        Kind = kind,
        Actor = Clip(actor ?? CurrentActor(), 200)!,
        Target = Clip(target, 200),
        Detail = Clip(detail, 400),
        Address = http.HttpContext?.Connection.RemoteIpAddress?.ToString(),
    };

    /// <summary>
    /// The event of a token issued to a client, whichever path issued it: committed with the token's row, so no
    /// token exists that the log does not show.
    /// </summary>
    public static AuditEvent TokenIssued(long at, Guid? organizationId, OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken token,
        string? clientId, string? address)
    {
        ArgumentNullException.ThrowIfNull(token);
        var type = token.Type?[(token.Type.LastIndexOf(':') + 1)..];
        return new AuditEvent
        {
            At = at,
            OrganizationId = organizationId,
            Kind = AuditKinds.TokenIssued,
            Actor = Clip(clientId is null ? "anonymous" : "client:" + clientId, 200)!,
            Target = Clip("token:" + token.Id, 200),
            Detail = Clip($"{type} for {token.Subject}, expires {token.ExpirationDate:O}", 400),
            Address = address,
        };
    }

    /// <summary>Who the current request acts as, in words a reader of the log understands.</summary>
    private string CurrentActor()
    {
        var context = http.HttpContext;
        if (context?.Features.Get<Caller>() is { } caller)
        {
            return Describe(caller);
        }

        return context?.Features.Get<OpenIddictServerAspNetCoreFeature>()?.Transaction?.Request?.ClientId is { } clientId
            ? "client:" + clientId
            : "anonymous";
    }

    public static string Describe(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var kind = PrincipalKinds.Of(caller.Type);
        return kind.IsUser ? $"{kind.WireName}:{caller.Username ?? caller.Subject}"
            : kind.ClientIdPrefix is null ? kind.WireName // the guest, the superuser: one of a kind
            : $"{kind.WireName}:{caller.Subject}";
    }

    private static string? Clip(string? value, int length) => value is null || value.Length <= length ? value : value[..length];
}
