using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
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
        apps.MapPost("/", CreateAsync).ProducesConflict().WithSummary("Create an application; the response carries its client secret, once");
        apps.MapGet("/", ListAsync).WithSummary("List an organization's applications");
        apps.MapGet("/{app}", GetAsync).WithSummary("Read an application, with its accesstokenttl");
        apps.MapPut("/{app}", UpdateAsync).WithSummary("Change an application's accesstokenttl or secured flag");
        apps.MapDelete("/{app}", DeleteAsync).WithSummary("Delete an application, revoking every token issued under it");
        apps.MapGet("/{app}/credentials", GetCredentialsAsync).WithSummary("Read the app client's id (never its secret)");
        apps.MapPost("/{app}/credentials", RegenerateCredentialsAsync).WithSummary("Regenerate the app client's secret (?revoke_tokens=true also revokes its tokens)");
        apps.MapPost("/{app}/revoketokens", RevokeTokensAsync).WithSummary("Revoke every token of the application (its client and its users)");
        return apps;
    }

    internal static Task<Results<Created<ApplicationCreatedResponse>, Refusal>> CreateAsync(
        string org, CreateNamedRequest? body, Caller caller, TokenServiceDbContext db, TenantOperations tenants,
        CancellationToken cancellationToken) =>
        OrganizationsApi.CreateNamedAsync(org, body, caller, tenants, "Application",
            (o, name) => db.Applications.AnyAsync(a => a.OrganizationId == o.Id && a.Name == name, cancellationToken),
            (o, name) => tenants.CreateApplicationAsync(o, name, cancellationToken), "apps", cancellationToken);

    internal static async Task<Results<Ok<Page<ApplicationResponse>>, Refusal>> ListAsync(
        string org, Caller caller, TokenServiceDbContext db, TenantOperations tenants, [AsParameters] PageRequest page,
        CancellationToken cancellationToken)
    {
        var found = await OrganizationsApi.FindWithPageAsync(org, page, caller, tenants, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        var (organization, query) = found.Value;
        var (organizationId, (take, after)) = (organization.Id, query);
        var rows = await db.Applications.AsNoTracking()
            .Where(a => a.OrganizationId == organizationId && (after == null || string.Compare(a.Name, after) > 0))
            .OrderBy(a => a.Name).Take(take + 1)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(query.Build(rows.ConvertAll(a => ToResponse(a, org)), a => a.Name));
    }

    internal static async Task<Results<Ok<ApplicationResponse>, Refusal>> GetAsync(
        string org, string app, Caller caller, TenantOperations tenants, CancellationToken cancellationToken)
    {
        var found = await tenants.FindApplicationAsync(caller, org, app, cancellationToken);
        return found.Refused ? found.Refusal : TypedResults.Ok(ToResponse(found.Value, org));
    }

    internal static async Task<Results<Ok<ApplicationResponse>, Refusal>> UpdateAsync(
        string org, string app, UpdateSettingsRequest? body, Caller caller, TenantOperations tenants,
        CancellationToken cancellationToken)
    {
        var found = await tenants.FindApplicationAsync(caller, org, app, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        if (body is null)
        {
            return ApiErrors.BadRequest("The body must be a JSON object such as {\"accesstokenttl\": 3600000}.");
        }

        if (Settings.ValidateTtl(body.AccessTokenTtl) is { } error)
        {
            return ApiErrors.BadRequest(error);
        }

        var application = found.Value;
        if (body.AccessTokenTtl is not null || body.Secured is not null)
        {
            await tenants.UpdateSettingsAsync(application, $"app:{org}/{app}", body.AccessTokenTtl,
                () => application.Secured = body.Secured ?? application.Secured, cancellationToken);
        }

        return TypedResults.Ok(ToResponse(application, org));
    }

    internal static async Task<Results<Ok<ApplicationResponse>, Refusal>> DeleteAsync(
        string org, string app, Caller caller, TenantOperations tenants, CancellationToken cancellationToken)
    {
        var found = await tenants.FindApplicationAsync(caller, org, app, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        await tenants.DeleteApplicationAsync(found.Value, cancellationToken);
        return TypedResults.Ok(ToResponse(found.Value, org));
    }

    internal static async Task<Results<Ok<CredentialsResponse>, Refusal>> GetCredentialsAsync(
        string org, string app, Caller caller, TenantOperations tenants, CancellationToken cancellationToken)
    {
        var found = await tenants.FindApplicationAsync(caller, org, app, cancellationToken);
        return found.Refused ? found.Refusal : TypedResults.Ok(new CredentialsResponse(found.Value.ClientId, found.Value.SecretIssuedAt));
    }

    internal static async Task<Results<Ok<CredentialsResponse>, Refusal>> RegenerateCredentialsAsync(
        string org, string app, [FromQuery(Name = "revoke_tokens")] bool? revokeTokens, Caller caller, TenantOperations tenants,
        CancellationToken cancellationToken)
    {
        var found = await tenants.FindApplicationAsync(caller, org, app, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        return await OrganizationsApi.RegenerateAsync(found.Value, revokeTokens, tenants, cancellationToken);
    }

    internal static async Task<Results<Ok<RevokedResponse>, Refusal>> RevokeTokensAsync(
        string org, string app, Caller caller, TenantOperations tenants, ClientRegistry clients, CancellationToken cancellationToken)
    {
        var found = await tenants.FindApplicationAsync(caller, org, app, cancellationToken);
        return found.Refused
            ? found.Refusal
            : TypedResults.Ok(new RevokedResponse(await clients.RevokeTokensAsync(
                found.Value.OrganizationId, [found.Value.ClientId, found.Value.PublicClientId], cancellationToken)));
    }

    internal static ApplicationResponse ToResponse(Application a, string org) =>
        new(a.Id, a.Name, org, a.ClientId, a.AccessTokenTtl, a.Secured, a.Created, a.Modified);
}
