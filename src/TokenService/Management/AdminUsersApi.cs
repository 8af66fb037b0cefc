using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokenService.Api;
using TokenService.Data;
using TokenService.Data.Entities;
using TokenService.Options;
using TokenService.Principals;
using TokenService.Users;

namespace TokenService.Management;

/// <summary><c>/management/users</c> and organization membership: admin users and their tokens.</summary>
public static class AdminUsersApi
{
    public static RouteGroupBuilder MapAdminUsers(this RouteGroupBuilder management)
    {
        ArgumentNullException.ThrowIfNull(management);
        var users = management.MapGroup("/users").WithTags("Admin users");
        users.MapPost("/", CreateAsync).WithSummary("Create an admin user (superuser, org admins; anyone when Registration:Open)");
        users.MapGet("/{user}", GetAsync).WithSummary("Read an admin user (the superuser, or the user itself)");
        users.MapPut("/{user}", UpdateAsync).WithSummary("Change an admin user (activated, email, name, password); deactivation revokes its tokens");
        users.MapDelete("/{user}", DeleteAsync).WithSummary("Delete an admin user, revoking its tokens");
        users.MapMethods("/{user}/revoketokens", ["PUT", "POST"], RevokeTokensAsync).WithSummary("Revoke every token of an admin user");
        users.MapMethods("/{user}/revoketoken", ["PUT", "POST"], RevokeTokenAsync).WithSummary("Revoke one token of an admin user (?token=); 404 if it is not that user's");

        var members = management.MapGroup("/orgs/{org}/users").WithTags("Admin users");
        members.MapGet("/", ListMembersAsync).WithSummary("List an organization's admin users");
        members.MapPost("/{user}", AddMemberAsync).WithSummary("Make an existing admin user an admin of the organization");
        members.MapDelete("/{user}", RemoveMemberAsync).WithSummary("Remove an admin user from the organization");
        return users;
    }

    internal static async Task<IResult> CreateAsync(
        CreateUserRequest? body, Caller caller, UserAccounts accounts, IOptions<RegistrationOptions> registration,
        CancellationToken cancellationToken)
    {
        if (!Powers.CanCreateAdminUser(caller, registration.Value.Open))
        {
            return ApiErrors.Forbidden(caller);
        }

        var created = await CreateAdminAsync(body, accounts, cancellationToken);
        return created.Refusal ?? TypedResults.Created($"/management/users/{created.Value!.Id}", AdminUserResponse.From(created.Value, []));
    }

    /// <summary>Validates and creates an admin user; shared with organization creation.</summary>
    internal static async Task<Outcome<AdminUser>> CreateAdminAsync(CreateUserRequest? body, UserAccounts accounts, CancellationToken cancellationToken)
    {
        if (ValidateCreate(body) is { } error)
        {
            return new Refusal(ApiErrors.BadRequest(error));
        }

        if (await accounts.AdminExistsAsync(body!.Username!, body.Email!, cancellationToken))
        {
            return new Refusal(ApiErrors.Conflict("An admin user with this username or email already exists."));
        }

        try
        {
            return await accounts.CreateAdminAsync(body.Username!, body.Email!, body.Password!, body.Name, cancellationToken);
        }
        catch (DbUpdateException)
        {
            return new Refusal(ApiErrors.Conflict("An admin user with this username or email already exists."));
        }
    }

    internal static string? ValidateCreate(CreateUserRequest? body) =>
        body is null
            ? "username, email and password are required."
            : UserNames.ValidateUsername(body.Username) ?? UserNames.ValidateEmail(body.Email, required: true) ??
              Passwords.Validate(body.Password) ?? AppUserOperations.ValidateName(body.Name);

    internal static async Task<IResult> GetAsync(string user, Caller caller, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var found = await FindAsync(user, caller, accounts, cancellationToken);
        return found.Refusal ?? TypedResults.Ok(await ResponseAsync(found.Value!, accounts, cancellationToken));
    }

    internal static async Task<IResult> UpdateAsync(
        string user, UpdateUserRequest? body, Caller caller, UserAccounts accounts, TokenServiceDbContext db, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var found = await FindAsync(user, caller, accounts, cancellationToken);
        if (found.Value is not { } admin)
        {
            return found.Refusal!;
        }

        if (AppUserOperations.ValidateUpdate(body) is { } error)
        {
            return ApiErrors.BadRequest(error);
        }

        if (body!.Email is { } email && await db.AdminUsers.AnyAsync(u => u.Id != admin.Id && u.Email == UserNames.Normalize(email), cancellationToken))
        {
            return ApiErrors.Conflict("Another admin user has this email.");
        }

        var deactivated = admin.Activated && body.Activated == false;
        admin.Activated = body.Activated ?? admin.Activated;
        admin.Email = body.Email is null ? admin.Email : UserNames.Normalize(body.Email);
        admin.Name = body.Name ?? admin.Name;
        admin.PasswordHash = body.Password is null ? admin.PasswordHash : Passwords.Hash(body.Password);
        admin.Modified = clock.GetUtcNow();
        await accounts.SaveAsync(admin.Id, deactivated, cancellationToken);
        return TypedResults.Ok(await ResponseAsync(admin, accounts, cancellationToken));
    }

    internal static async Task<IResult> DeleteAsync(string user, Caller caller, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var found = await FindAsync(user, caller, accounts, cancellationToken);
        if (found.Value is not { } admin)
        {
            return found.Refusal!;
        }

        var response = await ResponseAsync(admin, accounts, cancellationToken);
        await accounts.DeleteAdminAsync(admin, cancellationToken);
        return TypedResults.Ok(response);
    }

    internal static async Task<IResult> RevokeTokensAsync(string user, Caller caller, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var found = await FindAsync(user, caller, accounts, cancellationToken);
        return found.Refusal ?? TypedResults.Ok(new RevokedResponse(await accounts.RevokeTokensAsync(found.Value!.Id, cancellationToken)));
    }

    internal static async Task<IResult> RevokeTokenAsync(
        string user, string? token, Caller caller, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var found = await FindAsync(user, caller, accounts, cancellationToken);
        if (found.Value is not { } admin)
        {
            return found.Refusal!;
        }

        if (string.IsNullOrEmpty(token))
        {
            return ApiErrors.BadRequest("token is required.");
        }

        return await accounts.RevokeTokenAsync(admin.Id, token, cancellationToken)
            ? TypedResults.Ok(new RevokedResponse(1))
            : ApiErrors.NotFound("That token of this user");
    }

    internal static async Task<IResult> ListMembersAsync(
        string org, int? limit, string? cursor, Caller caller, TokenServiceDbContext db, UserAccounts accounts,
        CancellationToken cancellationToken)
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

        var rows = await db.OrganizationAdmins.AsNoTracking()
            .Where(m => m.OrganizationId == organization!.Id && (after == null || string.Compare(m.AdminUser.Username, after) > 0))
            .OrderBy(m => m.AdminUser.Username).Take(take + 1).Select(m => m.AdminUser)
            .ToListAsync(cancellationToken);
        var page = Paging.Build(rows, take, u => u.Username);
        // One query for the whole page's organizations, not one per admin.
        var organizations = await accounts.OrganizationNamesAsync([.. page.Items.Select(a => a.Id)], cancellationToken);
        var items = page.Items.Select(admin => AdminUserResponse.From(admin, [.. organizations[admin.Id]])).ToList();
        return TypedResults.Ok(new Page<AdminUserResponse>(items, page.Cursor));
    }

    internal static async Task<IResult> AddMemberAsync(
        string org, string user, Caller caller, TokenServiceDbContext db, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var (refusal, organization) = await OrganizationsApi.FindAsync(org, caller, db, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (await accounts.FindAdminAsync(user, cancellationToken) is not { } admin)
        {
            return ApiErrors.NotFound($"Admin user {user}");
        }

        await accounts.AddToOrganizationAsync(admin, organization!, cancellationToken);
        return TypedResults.Ok(await ResponseAsync(admin, accounts, cancellationToken));
    }

    internal static async Task<IResult> RemoveMemberAsync(
        string org, string user, Caller caller, TokenServiceDbContext db, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var (refusal, organization) = await OrganizationsApi.FindAsync(org, caller, db, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var admin = await accounts.FindAdminAsync(user, cancellationToken);
        var membership = admin is null ? null : await db.OrganizationAdmins
            .FirstOrDefaultAsync(m => m.AdminUserId == admin.Id && m.OrganizationId == organization!.Id, cancellationToken);
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

        return new Refusal(Powers.CanListAdminUsers(caller) ? ApiErrors.NotFound($"Admin user {user}") : ApiErrors.Forbidden(caller));
    }

    private static async Task<AdminUserResponse> ResponseAsync(AdminUser admin, UserAccounts accounts, CancellationToken cancellationToken) =>
        AdminUserResponse.From(admin, (await accounts.MembershipsAsync(admin.Id, cancellationToken)).Select(m => m.Org).OrderBy(o => o, StringComparer.Ordinal).ToList());
}
