using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using TokenService.Api;
using TokenService.Callers;
using TokenService.Data;
using TokenService.Principals;
using TokenService.Security;
using TokenService.Telemetry;
using TokenService.Tenants;

namespace TokenService.Access;

/// <summary>Body of <c>POST /access/check</c>: the credentials exactly as the resource server received them.</summary>
public sealed record AccessCheckRequest(
    [property: JsonPropertyName("org")] string? Org,
    [property: JsonPropertyName("app")] string? App,
    [property: JsonPropertyName("authorization")] string? Authorization,
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("client_id")] string? ClientId,
    [property: JsonPropertyName("client_secret")] string? ClientSecret);

/// <summary>The answer: whether the presented credentials may use the application, and as whom.</summary>
public sealed record AccessCheckResponse(
    [property: JsonPropertyName("allowed")] bool Allowed,
    [property: JsonPropertyName("principal_type"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PrincipalType,
    [property: JsonPropertyName("org")] string Org,
    [property: JsonPropertyName("app")] string App,
    [property: JsonPropertyName("username"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Username,
    [property: JsonPropertyName("reason"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason);

/// <summary>
/// <c>POST /access/check</c>: one call for an API to apply the seed's rules — the same credential resolution and
/// powers as the service's own endpoints, including guest access to open applications.
/// </summary>
/// <summary>Whether an application is secured (<c>null</c> from <see cref="ApplicationFlags.FindAsync"/>: no such application).</summary>
public sealed record ApplicationFlag(bool Secured);

/// <summary>
/// The <c>secured</c> flag of applications by (org, app) name, within the contract's bound: a change or deletion on
/// this instance is seen at once (<see cref="Tokens.SettingsGeneration"/>), one on another instance within a second.
/// </summary>
public sealed class ApplicationFlags(
    Tokens.SettingsGeneration generation, TimeProvider clock, Microsoft.Extensions.Options.IOptions<Options.CacheOptions> caches,
    Telemetry.ServiceMetrics metrics) : IDisposable
{
    // Compiled: a cache miss happens for every app once a second on a busy resource server. The predicate is
    // TenantQueries.Named's, which a compiled query cannot call.
    private static readonly CompiledQuery<Func<TokenServiceDbContext, string, string, CancellationToken, Task<ApplicationFlag?>>> ByName =
        new(() => EF.CompileAsyncQuery((TokenServiceDbContext db, string org, string app, CancellationToken _) =>
            db.Applications.AsNoTracking().Where(a => a.Organization.Name == org && a.Name == app)
                .Select(a => new ApplicationFlag(a.Secured)).FirstOrDefault()));

    private readonly Tokens.FreshCache<ApplicationFlag> _entries = new(generation, clock, caches.Value.Entries, metrics, "application_flags");

    public async ValueTask<ApplicationFlag?> FindAsync(TokenServiceDbContext db, string org, string app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await _entries.GetOrLoadAsync(org + "/" + app, (Db: db, Org: org, App: app),
            static (state, cancellation) => ByName.For(state.Db)(state.Db, state.Org, state.App, cancellation), cancellationToken);
    }

    public void Dispose() => _entries.Dispose();
}

public static class AccessCheckApi
{
    public static IServiceCollection AddAccessCheck(this IServiceCollection services) => services.AddSingleton<ApplicationFlags>();

    public static IEndpointRouteBuilder MapAccessCheck(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/access/check", CheckAsync).RequireCaller().WithTags("Access check")
            .WithSummary("Check forwarded credentials against an application (resource servers, org clients, the superuser)");
        return endpoints;
    }

    internal static async Task<Results<Ok<AccessCheckResponse>, Refusal>> CheckAsync(
        AccessCheckRequest? body, Caller caller, CredentialResolver resolver, TokenServiceDbContext db, HttpContext http,
        ApplicationFlags apps, CancellationToken cancellationToken)
    {
        if (!Powers.CanAskAccessCheck(caller))
        {
            return ApiErrors.Forbidden(caller);
        }

        if (body is null || !Names.IsValid(body.Org) || !Names.IsValid(body.App))
        {
            return ApiErrors.BadRequest("org and app are required names.");
        }

        var (org, app) = (body.Org!, body.App!);
        if (!Powers.CanAskAccessCheckAbout(caller, org))
        {
            return ApiErrors.Forbidden(caller);
        }

        if (await apps.FindAsync(db, org, app, cancellationToken) is not { } application)
        {
            return ApiErrors.NotFound($"Application {org}/{app}");
        }

        var resolved = await resolver.ResolveAsync(new PresentedCredentials(
            body.Authorization, body.AccessToken, body.ClientId, body.ClientSecret,
            http.Connection.RemoteIpAddress), cancellationToken);
        if (resolved.Failure is { } failure)
        {
            if (failure.Status == StatusCodes.Status429TooManyRequests)
            {
                // The forwarded credential is locked: the answer is allowed:false, but a refusal for brute force all the same.
                Refusals.Mark(http, MetricWords.BruteForce);
            }

            return TypedResults.Ok(new AccessCheckResponse(false, null, org, app, null, failure.Error));
        }

        var presented = resolved.Caller!;
        var allowed = Powers.CanUseApp(presented, org, app, application.Secured);
        return TypedResults.Ok(new AccessCheckResponse(
            allowed, PrincipalKinds.Of(presented.Type).WireName, org, app, presented.Username,
            allowed ? null : presented.Type == PrincipalType.Guest ? "auth_required" : "unauthorized"));
    }
}
