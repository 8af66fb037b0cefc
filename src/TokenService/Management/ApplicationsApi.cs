using Microsoft.EntityFrameworkCore;
using TokenService.Api;
using TokenService.Data;
using TokenService.Data.Entities;
using TokenService.Principals;
using TokenService.Tenants;
using TokenService.Tokens;

namespace TokenService.Management;

/// <summary><c>/management/orgs/{org}/apps</c>: applications, their credentials, settings and bulk revocation.</summary>
public static class ApplicationsApi
{
    public static RouteGroupBuilder MapApplications(this RouteGroupBuilder management)
    {
        ArgumentNullException.ThrowIfNull(management);
        var apps = management.MapGroup("/orgs/{org}/apps").WithTags("Applications");
        apps.MapPost("/", CreateAsync).WithSummary("Create an application; the response carries its client secret, once");
        apps.MapGet("/", ListAsync).WithSummary("List an organization's applications");
        apps.MapGet("/{app}", GetAsync).WithSummary("Read an application, with its accesstokenttl");
        apps.MapPut("/{app}", UpdateAsync).WithSummary("Change an application's accesstokenttl or secured flag");
        apps.MapDelete("/{app}", DeleteAsync).WithSummary("Delete an application, revoking every token issued under it");
        apps.MapGet("/{app}/credentials", GetCredentialsAsync).WithSummary("Read the app client's id (never its secret)");
        apps.MapPost("/{app}/credentials", RegenerateCredentialsAsync).WithSummary("Regenerate the app client's secret (?revoke_tokens=true also revokes its tokens)");
        apps.MapPost("/{app}/revoketokens", RevokeTokensAsync).WithSummary("Revoke every token of the application (its client and its users)");
        return apps;
    }

    internal static Task<IResult> CreateAsync(
        string org, CreateNamedRequest? body, Caller caller, TokenServiceDbContext db, TenantOperations tenants,
        CancellationToken cancellationToken) =>
        OrganizationsApi.CreateNamedAsync(org, body, caller, db, "Application",
            (o, name) => db.Applications.AnyAsync(a => a.OrganizationId == o.Id && a.Name == name, cancellationToken),
            (o, name) => tenants.CreateApplicationAsync(o, name, cancellationToken), "apps", cancellationToken);

    internal static async Task<IResult> ListAsync(
        string org, Caller caller, TokenServiceDbContext db, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var (refusal, organization) = await OrganizationsApi.FindAsync(org, caller, db, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (Paging.TryParse(limit, cursor, out var take, out var after) is { } error)
        {
            return ApiErrors.BadRequest(error);
        }

        var rows = await db.Applications.AsNoTracking()
            .Where(a => a.OrganizationId == organization!.Id && (after == null || string.Compare(a.Name, after) > 0))
            .OrderBy(a => a.Name).Take(take + 1)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(Paging.Build(rows.ConvertAll(a => ToResponse(a, org)), take, a => a.Name));
    }

    internal static async Task<IResult> GetAsync(
        string org, string app, Caller caller, TokenServiceDbContext db, CancellationToken cancellationToken)
    {
        var (refusal, application) = await FindAsync(org, app, caller, db, cancellationToken);
        return refusal ?? TypedResults.Ok(ToResponse(application!, org));
    }

    internal static async Task<IResult> UpdateAsync(
        string org, string app, UpdateSettingsRequest? body, Caller caller, TokenServiceDbContext db, TenantOperations tenants,
        CancellationToken cancellationToken)
    {
        var (refusal, application) = await FindAsync(org, app, caller, db, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (body is null)
        {
            return ApiErrors.BadRequest("The body must be a JSON object such as {\"accesstokenttl\": 3600000}.");
        }

        if (Settings.ValidateTtl(body.AccessTokenTtl) is { } error)
        {
            return ApiErrors.BadRequest(error);
        }

        if (body.AccessTokenTtl is not null || body.Secured is not null)
        {
            await tenants.UpdateSettingsAsync(application!, $"app:{org}/{app}", body.AccessTokenTtl,
                () => application!.Secured = body.Secured ?? application.Secured, cancellationToken);
        }

        return TypedResults.Ok(ToResponse(application!, org));
    }

    internal static async Task<IResult> DeleteAsync(
        string org, string app, Caller caller, TokenServiceDbContext db, TenantOperations tenants, CancellationToken cancellationToken)
    {
        var (refusal, application) = await FindAsync(org, app, caller, db, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        await tenants.DeleteApplicationAsync(application!, cancellationToken);
        return TypedResults.Ok(ToResponse(application!, org));
    }

    internal static async Task<IResult> GetCredentialsAsync(
        string org, string app, Caller caller, TokenServiceDbContext db, CancellationToken cancellationToken)
    {
        var (refusal, application) = await FindAsync(org, app, caller, db, cancellationToken);
        return refusal ?? TypedResults.Ok(new CredentialsResponse(application!.ClientId, application.SecretIssuedAt));
    }

    internal static async Task<IResult> RegenerateCredentialsAsync(
        string org, string app, bool? revoke_tokens, Caller caller, TokenServiceDbContext db, TenantOperations tenants,
        CancellationToken cancellationToken)
    {
        var (refusal, application) = await FindAsync(org, app, caller, db, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var revoke = revoke_tokens ?? false;
        var secret = await tenants.RegenerateSecretAsync(application!, revoke, cancellationToken);
        return TypedResults.Ok(new CredentialsResponse(application!.ClientId, application.SecretIssuedAt, secret, revoke));
    }

    internal static async Task<IResult> RevokeTokensAsync(
        string org, string app, Caller caller, TokenServiceDbContext db, ClientRegistry clients, CancellationToken cancellationToken)
    {
        var (refusal, application) = await FindAsync(org, app, caller, db, cancellationToken);
        return refusal ?? TypedResults.Ok(new RevokedResponse(await clients.RevokeTokensAsync(application!.OrganizationId, [application.ClientId, application.PublicClientId], cancellationToken)));
    }

    /// <summary>Powers first (403 before 404), then the lookup; see <see cref="OrganizationsApi.FindAsync"/>.</summary>
    internal static async Task<(IResult? Refusal, Application? Application)> FindAsync(
        string org, string app, Caller caller, TokenServiceDbContext db, CancellationToken cancellationToken)
    {
        if (!Powers.CanManageApp(caller, org, app))
        {
            return (ApiErrors.Forbidden(caller), null);
        }

        var application = await db.Applications
            .FirstOrDefaultAsync(a => a.Organization.Name == org && a.Name == app, cancellationToken);
        return application is null ? (ApiErrors.NotFound($"Application {org}/{app}"), null) : (null, application);
    }

    internal static ApplicationResponse ToResponse(Application a, string org) =>
        new(a.Id, a.Name, org, a.ClientId, a.AccessTokenTtl, a.Secured, a.Created, a.Modified);
}
