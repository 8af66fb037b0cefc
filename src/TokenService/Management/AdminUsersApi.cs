using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokenService.Api;
using TokenService.Data;
using TokenService.Data.Entities;
using TokenService.Options;
using TokenService.Principals;
using TokenService.Tenants;
using TokenService.Users;

namespace TokenService.Management;

/// <summary><c>/management/users</c> and organization membership: admin users and their tokens.</summary>
public static class AdminUsersApi
{
    public static RouteGroupBuilder MapAdminUsers(this RouteGroupBuilder management)
    {
        ArgumentNullException.ThrowIfNull(management);
        var users = management.MapGroup("/users").WithTags("Admin users");
        users.MapPost("/", CreateAsync).ProducesConflict().WithSummary("Create an admin user (superuser, org admins; anyone when Registration:Open)");
        users.MapGet("/{user}", GetAsync).WithSummary("Read an admin user (the superuser, or the user itself)");
        users.MapPut("/{user}", UpdateAsync).ProducesConflict().WithSummary("Change an admin user (activated, email, name, password); deactivation revokes its tokens");
        users.MapDelete("/{user}", DeleteAsync).WithSummary("Delete an admin user, revoking its tokens");
        users.MapMethods("/{user}/revoketokens", ["PUT", "POST"], RevokeTokensAsync).WithSummary("Revoke every token of an admin user");
        users.MapMethods("/{user}/revoketoken", ["PUT", "POST"], RevokeTokenAsync).WithSummary("Revoke one token of an admin user (?token=); 404 if it is not that user's");

        var members = management.MapGroup("/orgs/{org}/users").WithTags("Admin users");
        members.MapGet("/", ListMembersAsync).WithSummary("List an organization's admin users");
        members.MapPost("/{user}", AddMemberAsync).WithSummary("Make an existing admin user an admin of the organization");
        members.MapDelete("/{user}", RemoveMemberAsync).WithSummary("Remove an admin user from the organization");
        return users;
    }

    internal static async Task<Results<Created<AdminUserResponse>, Refusal>> CreateAsync(
        CreateUserRequest? body, Caller caller, UserAccounts accounts, IOptions<RegistrationOptions> registration,
        CancellationToken cancellationToken)
    {
        if (!Powers.CanCreateAdminUser(caller, registration.Value.Open))
        {
            return ApiErrors.Forbidden(caller);
        }

        if (UserValidation.ValidateAdminCreate(body) is { } error)
        {
            return ApiErrors.BadRequest(error);
        }

        const string taken = "An admin user with this username or email already exists.";
        if (await accounts.AdminExistsAsync(body!.Username!, body.Email!, cancellationToken))
        {
            return ApiErrors.Conflict(taken);
        }

        try
        {
            var admin = await accounts.CreateAdminAsync(body.Username!, body.Email!, body.Password!, body.Name, cancellationToken);
            return TypedResults.Created($"/management/users/{admin.Id}", AdminUserResponse.From(admin, []));
        }
        catch (DbUpdateException)
        {
            return ApiErrors.Conflict(taken);
        }
    }

    internal static async Task<Results<Ok<AdminUserResponse>, Refusal>> GetAsync(
        string user, Caller caller, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var found = await FindAsync(user, caller, accounts, cancellationToken);
        return found.Refused ? found.Refusal : TypedResults.Ok(await ResponseAsync(found.Value, accounts, cancellationToken));
    }

    internal static async Task<Results<Ok<AdminUserResponse>, Refusal>> UpdateAsync(
        string user, UpdateUserRequest? body, Caller caller, UserAccounts accounts, TokenServiceDbContext db,
        CancellationToken cancellationToken)
    {
        var found = await FindAsync(user, caller, accounts, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        var adminId = found.Value.Id;
        var updated = await accounts.UpdateAsync(found.Value, body,
            (email, cancellation) => db.AdminUsers.AnyAsync(u => u.Id != adminId && u.Email == email, cancellation),
            "Another admin user has this email.", cancellationToken);
        return updated.Refused ? updated.Refusal : TypedResults.Ok(await ResponseAsync(updated.Value, accounts, cancellationToken));
    }

    internal static async Task<Results<Ok<AdminUserResponse>, Refusal>> DeleteAsync(
        string user, Caller caller, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var found = await FindAsync(user, caller, accounts, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        var response = await ResponseAsync(found.Value, accounts, cancellationToken);
        await accounts.DeleteAdminAsync(found.Value, cancellationToken);
        return TypedResults.Ok(response);
    }

    internal static async Task<Results<Ok<RevokedResponse>, Refusal>> RevokeTokensAsync(
        string user, Caller caller, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var found = await FindAsync(user, caller, accounts, cancellationToken);
        return found.Refused
            ? found.Refusal
            : TypedResults.Ok(new RevokedResponse(await accounts.RevokeTokensAsync(found.Value.Id, cancellationToken)));
    }

    internal static async Task<Results<Ok<RevokedResponse>, Refusal>> RevokeTokenAsync(
        string user, string? token, Caller caller, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var found = await FindAsync(user, caller, accounts, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        if (string.IsNullOrEmpty(token))
        {
            return ApiErrors.BadRequest("token is required.");
        }

        return await accounts.RevokeTokenAsync(found.Value.Id, token, cancellationToken)
            ? TypedResults.Ok(new RevokedResponse(1))
            : ApiErrors.NotFound("That token of this user");
    }

    internal static async Task<Results<Ok<Page<AdminUserResponse>>, Refusal>> ListMembersAsync(
        string org, [AsParameters] PageRequest page, Caller caller, TokenServiceDbContext db, TenantOperations tenants,
        UserAccounts accounts, CancellationToken cancellationToken)
    {
        var found = await OrganizationsApi.FindWithPageAsync(org, page, caller, tenants, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        var (organization, query) = found.Value;
        var (organizationId, (take, after)) = (organization.Id, query);
        var rows = await db.OrganizationAdmins.AsNoTracking()
            .Where(m => m.OrganizationId == organizationId && (after == null || string.Compare(m.AdminUser.Username, after) > 0))
            .OrderBy(m => m.AdminUser.Username).Take(take + 1).Select(m => m.AdminUser)
            .ToListAsync(cancellationToken);
        var admins = query.Build(rows, u => u.Username);
        // One query for the whole page's organizations, not one per admin.
        var organizations = await accounts.OrganizationNamesAsync([.. admins.Items.Select(a => a.Id)], cancellationToken);
        var items = admins.Items.Select(admin => AdminUserResponse.From(admin, [.. organizations[admin.Id]])).ToList();
        return TypedResults.Ok(new Page<AdminUserResponse>(items, admins.Cursor));
    }

    internal static async Task<Results<Ok<AdminUserResponse>, Refusal>> AddMemberAsync(
        string org, string user, Caller caller, TenantOperations tenants, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var found = await tenants.FindOrganizationAsync(caller, org, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        if (await accounts.FindAdminAsync(user, cancellationToken) is not { } admin)
        {
            return ApiErrors.NotFound($"Admin user {user}");
        }

        await accounts.AddToOrganizationAsync(admin, found.Value, cancellationToken);
        return TypedResults.Ok(await ResponseAsync(admin, accounts, cancellationToken));
    }

    internal static async Task<Results<Ok<AdminUserResponse>, Refusal>> RemoveMemberAsync(
        string org, string user, Caller caller, TokenServiceDbContext db, TenantOperations tenants, UserAccounts accounts,
        CancellationToken cancellationToken)
    {
        var found = await tenants.FindOrganizationAsync(caller, org, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        var organizationId = found.Value.Id;
        var admin = await accounts.FindAdminAsync(user, cancellationToken);
        var membership = admin is null ? null : await db.OrganizationAdmins
            .FirstOrDefaultAsync(m => m.AdminUserId == admin.Id && m.OrganizationId == organizationId, cancellationToken);
        if (membership is null)
        {
            return ApiErrors.NotFound($"Admin user {user} of {org}");
        }

        db.OrganizationAdmins.Remove(membership);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(await ResponseAsync(admin!, accounts, cancellationToken));
    }

    /// <summary>The same 403 whether or not the user exists, for callers without power over it.</summary>
    private static async Task<Outcome<AdminUser>> FindAsync(string user, Caller caller, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var admin = await accounts.FindAdminAsync(user, cancellationToken);
        if (admin is not null && Powers.CanManageAdminUser(caller, admin.Id))
        {
            return admin;
        }

        return Powers.CanListAdminUsers(caller) ? ApiErrors.NotFound($"Admin user {user}") : ApiErrors.Forbidden(caller);
    }

    private static async Task<AdminUserResponse> ResponseAsync(AdminUser admin, UserAccounts accounts, CancellationToken cancellationToken) =>
        AdminUserResponse.From(admin, (await accounts.MembershipsAsync(admin.Id, cancellationToken)).Select(m => m.Org).OrderBy(o => o, StringComparer.Ordinal).ToList());
}
