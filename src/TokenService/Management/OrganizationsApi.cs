using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokenService.Api;
using TokenService.Data;
using TokenService.Data.Entities;
using TokenService.Options;
using TokenService.Principals;
using TokenService.Tenants;
using TokenService.Tokens;

namespace TokenService.Management;

/// <summary><c>/management/orgs</c>: organizations, their credentials, settings and bulk revocation.</summary>
public static class OrganizationsApi
{
    public static RouteGroupBuilder MapOrganizations(this RouteGroupBuilder management)
    {
        ArgumentNullException.ThrowIfNull(management);
        var orgs = management.MapGroup("/orgs").WithTags("Organizations");
        orgs.MapPost("/", CreateAsync).WithSummary("Create an organization with its sandbox app (superuser, or anyone when Registration:Open)");
        orgs.MapGet("/", ListAsync).WithSummary("List organizations (superuser)");
        orgs.MapGet("/{org}", GetAsync).WithSummary("Read an organization");
        orgs.MapPut("/{org}", UpdateAsync).WithSummary("Change an organization's accesstokenttl (org-client tokens)");
        orgs.MapDelete("/{org}", DeleteAsync).WithSummary("Delete an organization, revoking everything issued under it");
        orgs.MapGet("/{org}/credentials", GetCredentialsAsync).WithSummary("Read the org client's id (never its secret)");
        orgs.MapPost("/{org}/credentials", RegenerateCredentialsAsync).WithSummary("Regenerate the org client's secret (?revoke_tokens=true also revokes its tokens)");
        orgs.MapPost("/{org}/revoketokens", RevokeTokensAsync).WithSummary("Revoke every token of the org client");
        return orgs;
    }

    internal static async Task<IResult> CreateAsync(
        CreateOrganizationRequest? body, Caller caller, TenantOperations tenants, TokenServiceDbContext db, Users.UserAccounts users,
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

        if (await db.Organizations.AnyAsync(o => o.Name == name, cancellationToken))
        {
            return ApiErrors.Conflict($"Organization {name} already exists.");
        }

        Users.CreateUserRequest? owner = null;
        if (body!.Username is not null || body.Email is not null || body.Password is not null)
        {
            owner = new Users.CreateUserRequest(body.Username, body.Email, body.Password, body.Name);
            if (AdminUsersApi.ValidateCreate(owner) is { } error)
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

    internal static async Task<IResult> ListAsync(
        Caller caller, TokenServiceDbContext db, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        if (!Powers.CanListOrganizations(caller))
        {
            return ApiErrors.Forbidden(caller);
        }

        if (Paging.TryParse(limit, cursor, out var take, out var after) is { } error)
        {
            return ApiErrors.BadRequest(error);
        }

        var rows = await db.Organizations.AsNoTracking()
            .Where(o => after == null || string.Compare(o.Name, after) > 0)
            .OrderBy(o => o.Name).Take(take + 1)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(Paging.Build(rows.ConvertAll(ToResponse), take, o => o.Name));
    }

    internal static async Task<IResult> GetAsync(string org, Caller caller, TokenServiceDbContext db, CancellationToken cancellationToken)
    {
        var (refusal, organization) = await FindAsync(org, caller, db, cancellationToken);
        return refusal ?? TypedResults.Ok(ToResponse(organization!));
    }

    internal static async Task<IResult> UpdateAsync(
        string org, UpdateSettingsRequest? body, Caller caller, TokenServiceDbContext db, TenantOperations tenants, CancellationToken cancellationToken)
    {
        var (refusal, organization) = await FindAsync(org, caller, db, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
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
            await tenants.UpdateSettingsAsync(organization!, "org:" + org, ttl, apply: null, cancellationToken);
        }

        return TypedResults.Ok(ToResponse(organization!));
    }

    internal static async Task<IResult> DeleteAsync(
        string org, Caller caller, TokenServiceDbContext db, TenantOperations tenants, CancellationToken cancellationToken)
    {
        var (refusal, organization) = await FindAsync(org, caller, db, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        await tenants.DeleteOrganizationAsync(organization!, cancellationToken);
        return TypedResults.Ok(ToResponse(organization!));
    }

    internal static async Task<IResult> GetCredentialsAsync(string org, Caller caller, TokenServiceDbContext db, CancellationToken cancellationToken)
    {
        var (refusal, organization) = await FindAsync(org, caller, db, cancellationToken);
        return refusal ?? TypedResults.Ok(new CredentialsResponse(organization!.ClientId, organization.SecretIssuedAt));
    }

    internal static async Task<IResult> RegenerateCredentialsAsync(
        string org, bool? revoke_tokens, Caller caller, TokenServiceDbContext db, TenantOperations tenants, CancellationToken cancellationToken)
    {
        var (refusal, organization) = await FindAsync(org, caller, db, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var revoke = revoke_tokens ?? false;
        var secret = await tenants.RegenerateSecretAsync(organization!, revoke, cancellationToken);
        return TypedResults.Ok(new CredentialsResponse(organization!.ClientId, organization.SecretIssuedAt, secret, revoke));
    }

    internal static async Task<IResult> RevokeTokensAsync(
        string org, Caller caller, TokenServiceDbContext db, ClientRegistry clients, CancellationToken cancellationToken)
    {
        var (refusal, organization) = await FindAsync(org, caller, db, cancellationToken);
        return refusal ?? TypedResults.Ok(new RevokedResponse(await clients.RevokeTokensAsync(organization!.Id, [organization.ClientId], cancellationToken)));
    }

    /// <summary>
    /// Creates something named that an organization owns (an app, a resource server): org powers, the naming
    /// rule and uniqueness within the organization, then <paramref name="create"/>; 201 with what it returns.
    /// </summary>
    internal static async Task<IResult> CreateNamedAsync<T>(
        string org, CreateNamedRequest? body, Caller caller, TokenServiceDbContext db, string kind,
        Func<Organization, string, Task<bool>> exists, Func<Organization, string, Task<T>> create, string collection,
        CancellationToken cancellationToken)
    {
        var (refusal, organization) = await FindAsync(org, caller, db, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var name = body?.Name;
        if (!Names.IsValid(name))
        {
            return ApiErrors.BadRequest($"name is required and must be a valid name. {Names.Rule}");
        }

        try
        {
            return await exists(organization!, name!)
                ? ApiErrors.Conflict($"{kind} {org}/{name} already exists.")
                : TypedResults.Created($"/management/orgs/{org}/{collection}/{name}", await create(organization!, name!));
        }
        catch (DbUpdateException)
        {
            return ApiErrors.Conflict($"{kind} {org}/{name} already exists.");
        }
    }

    /// <summary>
    /// Powers are checked on the name before the lookup, so a caller without power over an organization
    /// gets 403 whether or not it exists and cannot probe for other tenants' names.
    /// </summary>
    internal static async Task<(IResult? Refusal, Organization? Organization)> FindAsync(
        string org, Caller caller, TokenServiceDbContext db, CancellationToken cancellationToken)
    {
        if (!Powers.CanManageOrg(caller, org))
        {
            return (ApiErrors.Forbidden(caller), null);
        }

        var organization = await db.Organizations.FirstOrDefaultAsync(o => o.Name == org, cancellationToken);
        return organization is null ? (ApiErrors.NotFound($"Organization {org}"), null) : (null, organization);
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
