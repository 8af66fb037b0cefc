using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokenService.Api;
using TokenService.Data;
using TokenService.Data.Entities;
using TokenService.Options;
using TokenService.Principals;
using TokenService.Tenants;
using TokenService.Tokens;
using TokenService.Users;

namespace TokenService.Management;

/// <summary><c>/management/orgs</c>: organizations, their credentials, settings and bulk revocation.</summary>
public static class OrganizationsApi
{
    public static RouteGroupBuilder MapOrganizations(this RouteGroupBuilder management)
    {
        ArgumentNullException.ThrowIfNull(management);
        var orgs = management.MapGroup("/orgs").WithTags("Organizations");
        orgs.MapPost("/", CreateAsync).ProducesConflict().WithSummary("Create an organization with its sandbox app (superuser, or anyone when Registration:Open)");
        orgs.MapGet("/", ListAsync).WithSummary("List organizations (superuser)");
        orgs.MapGet("/{org}", GetAsync).WithSummary("Read an organization");
        orgs.MapPut("/{org}", UpdateAsync).WithSummary("Change an organization's accesstokenttl (org-client tokens)");
        orgs.MapDelete("/{org}", DeleteAsync).WithSummary("Delete an organization, revoking everything issued under it");
        orgs.MapGet("/{org}/credentials", GetCredentialsAsync).WithSummary("Read the org client's id (never its secret)");
        orgs.MapPost("/{org}/credentials", RegenerateCredentialsAsync).WithSummary("Regenerate the org client's secret (?revoke_tokens=true also revokes its tokens)");
        orgs.MapPost("/{org}/revoketokens", RevokeTokensAsync).WithSummary("Revoke every token of the org client");
        return orgs;
    }

    internal static async Task<Results<Created<OrganizationCreatedResponse>, Refusal>> CreateAsync(
        CreateOrganizationRequest? body, Caller caller, TenantOperations tenants, TokenServiceDbContext db, UserAccounts users,
        IOptions<RegistrationOptions> registration, CancellationToken cancellationToken)
    {
        if (!Powers.CanCreateOrganization(caller, registration.Value.Open))
        {
            return ApiErrors.Forbidden(caller);
        }

        var name = body?.Organization;
        if (!Names.IsValidOrganization(name))
        {
            return ApiErrors.BadRequest($"organization is required and must be a valid, unreserved name. {Names.Rule}");
        }

        if (await db.Organizations.Named(name!).AnyAsync(cancellationToken))
        {
            return ApiErrors.Conflict($"Organization {name} already exists.");
        }

        CreateUserRequest? owner = null;
        if (body!.Username is not null || body.Email is not null || body.Password is not null)
        {
            owner = new CreateUserRequest(body.Username, body.Email, body.Password, body.Name);
            if (UserValidation.ValidateAdminCreate(owner) is { } error)
            {
                return ApiErrors.BadRequest(error);
            }

            if (await users.AdminExistsAsync(owner.Username!, owner.Email!, cancellationToken))
            {
                return ApiErrors.Conflict("An admin user with this username or email already exists.");
            }
        }

        try
        {
            var created = await tenants.CreateOrganizationAsync(name!, owner, cancellationToken);
            return TypedResults.Created($"/management/orgs/{created.Name}", created);
        }
        catch (DbUpdateException)
        {
            return ApiErrors.Conflict($"Organization {name} already exists.");
        }
    }

    internal static async Task<Results<Ok<Page<OrganizationResponse>>, Refusal>> ListAsync(
        Caller caller, TokenServiceDbContext db, [AsParameters] PageRequest page, CancellationToken cancellationToken)
    {
        if (!Powers.CanListOrganizations(caller))
        {
            return ApiErrors.Forbidden(caller);
        }

        var query = page.Read();
        if (query.Refused)
        {
            return query.Refusal;
        }

        var (take, after) = query.Value;
        var rows = await db.Organizations.AsNoTracking()
            .Where(o => after == null || string.Compare(o.Name, after) > 0)
            .OrderBy(o => o.Name).Take(take + 1)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(query.Value.Build(rows.ConvertAll(ToResponse), o => o.Name));
    }

    internal static async Task<Results<Ok<OrganizationResponse>, Refusal>> GetAsync(
        string org, Caller caller, TenantOperations tenants, CancellationToken cancellationToken)
    {
        var found = await tenants.FindOrganizationAsync(caller, org, cancellationToken);
        return found.Refused ? found.Refusal : TypedResults.Ok(ToResponse(found.Value));
    }

    internal static async Task<Results<Ok<OrganizationResponse>, Refusal>> UpdateAsync(
        string org, UpdateSettingsRequest? body, Caller caller, TenantOperations tenants, CancellationToken cancellationToken)
    {
        var found = await tenants.FindOrganizationAsync(caller, org, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        if (body is null || body.Secured is not null)
        {
            return ApiErrors.BadRequest("The body must be a JSON object; an organization has only accesstokenttl to change.");
        }

        if (Settings.ValidateTtl(body.AccessTokenTtl) is { } error)
        {
            return ApiErrors.BadRequest(error);
        }

        if (body.AccessTokenTtl is { } ttl)
        {
            await tenants.UpdateSettingsAsync(found.Value, "org:" + org, ttl, apply: null, cancellationToken);
        }

        return TypedResults.Ok(ToResponse(found.Value));
    }

    internal static async Task<Results<Ok<OrganizationResponse>, Refusal>> DeleteAsync(
        string org, Caller caller, TenantOperations tenants, CancellationToken cancellationToken)
    {
        var found = await tenants.FindOrganizationAsync(caller, org, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        await tenants.DeleteOrganizationAsync(found.Value, cancellationToken);
        return TypedResults.Ok(ToResponse(found.Value));
    }

    internal static async Task<Results<Ok<CredentialsResponse>, Refusal>> GetCredentialsAsync(
        string org, Caller caller, TenantOperations tenants, CancellationToken cancellationToken)
    {
        var found = await tenants.FindOrganizationAsync(caller, org, cancellationToken);
        return found.Refused ? found.Refusal : TypedResults.Ok(new CredentialsResponse(found.Value.ClientId, found.Value.SecretIssuedAt));
    }

    internal static async Task<Results<Ok<CredentialsResponse>, Refusal>> RegenerateCredentialsAsync(
        string org, [FromQuery(Name = "revoke_tokens")] bool? revokeTokens, Caller caller, TenantOperations tenants,
        CancellationToken cancellationToken)
    {
        var found = await tenants.FindOrganizationAsync(caller, org, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        return await RegenerateAsync(found.Value, revokeTokens, tenants, cancellationToken);
    }

    /// <summary>Regenerates an organization's or application's secret; the answer shows it, this once.</summary>
    internal static async Task<Ok<CredentialsResponse>> RegenerateAsync(
        IClientTenant tenant, bool? revokeTokens, TenantOperations tenants, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        var revoke = revokeTokens ?? false;
        var secret = await tenants.RegenerateSecretAsync(tenant, revoke, cancellationToken);
        return TypedResults.Ok(new CredentialsResponse(tenant.ClientId, tenant.SecretIssuedAt, secret, revoke));
    }

    internal static async Task<Results<Ok<RevokedResponse>, Refusal>> RevokeTokensAsync(
        string org, Caller caller, TenantOperations tenants, ClientRegistry clients, CancellationToken cancellationToken)
    {
        var found = await tenants.FindOrganizationAsync(caller, org, cancellationToken);
        return found.Refused
            ? found.Refusal
            : TypedResults.Ok(new RevokedResponse(await clients.RevokeTokensAsync(found.Value.Id, [found.Value.ClientId], cancellationToken)));
    }

    /// <summary>
    /// Creates something named that an organization owns (an app, a resource server): org powers, the naming
    /// rule and uniqueness within the organization, then <paramref name="create"/>; 201 with what it returns.
    /// </summary>
    internal static async Task<Results<Created<T>, Refusal>> CreateNamedAsync<T>(
        string org, CreateNamedRequest? body, Caller caller, TenantOperations tenants, string kind,
        Func<Organization, string, Task<bool>> exists, Func<Organization, string, Task<T>> create, string collection,
        CancellationToken cancellationToken)
    {
        var found = await tenants.FindOrganizationAsync(caller, org, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        var name = body?.Name;
        if (!Names.IsValid(name))
        {
            return ApiErrors.BadRequest($"name is required and must be a valid name. {Names.Rule}");
        }

        try
        {
            return await exists(found.Value, name!)
                ? ApiErrors.Conflict($"{kind} {org}/{name} already exists.")
                : TypedResults.Created($"/management/orgs/{org}/{collection}/{name}", await create(found.Value, name!));
        }
        catch (DbUpdateException)
        {
            return ApiErrors.Conflict($"{kind} {org}/{name} already exists.");
        }
    }

    /// <summary>
    /// The prologue of every list under an organization: the organization for this caller (powers first), then the
    /// page asked for; either refusal as it comes.
    /// </summary>
    internal static async Task<Outcome<(Organization Organization, PageQuery Page)>> FindWithPageAsync(
        string org, PageRequest page, Caller caller, TenantOperations tenants, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        var found = await tenants.FindOrganizationAsync(caller, org, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        var query = page.Read();
        return query.Refused ? query.Refusal : (found.Value, query.Value);
    }

    internal static OrganizationResponse ToResponse(Organization o) =>
        new(o.Id, o.Name, o.ClientId, o.AccessTokenTtl, o.Created, o.Modified);
}

/// <summary>Validation of settings shared by organizations and applications.</summary>
internal static class Settings
{
    public static string? ValidateTtl(long? ttl) =>
        ttl is < 0 or > TokenLifetimeOptions.CeilingTtl
            ? $"accesstokenttl must be between 0 (never expires) and {TokenLifetimeOptions.CeilingTtl} milliseconds."
            : null;
}
