using Microsoft.EntityFrameworkCore;
using TokenService.Api;
using TokenService.Data;
using TokenService.Data.Entities;
using TokenService.Principals;

namespace TokenService.Users;

/// <summary>
/// Every operation on app users, with its powers checked, shared by the management paths and Usergrid's
/// <c>/{org}/{app}/users</c> paths, which differ only in the shape of their responses.
/// </summary>
public sealed class AppUserOperations(TokenServiceDbContext db, UserAccounts accounts, TimeProvider clock)
{
    /// <summary>The path segment that names the calling user itself.</summary>
    public const string Me = "me";

    public async Task<Outcome<(AppUser User, bool Created)>> CreateAsync(
        Caller caller, string org, string app, CreateUserRequest? body, CancellationToken cancellationToken)
    {
        var application = await FindAppAsync(org, app, cancellationToken);
        if (application is null)
        {
            return new Refusal(Powers.CanManageApp(caller, org, app)
                ? ApiErrors.NotFound($"Application {org}/{app}") : ApiErrors.Forbidden(caller));
        }

        if (!Powers.CanCreateAppUser(caller, org, app, application.Secured))
        {
            return new Refusal(ApiErrors.Forbidden(caller));
        }

        if (ValidateCreate(body) is { } error)
        {
            return new Refusal(ApiErrors.BadRequest(error));
        }

        if (await accounts.AppUserExistsAsync(application.Id, body!.Username!, body.Email, cancellationToken))
        {
            return new Refusal(ApiErrors.Conflict("A user with this username or email already exists in this application."));
        }

        try
        {
            return (await accounts.CreateAppUserAsync(application, body.Username!, body.Email, body.Password!, body.Name, cancellationToken), true);
        }
        catch (DbUpdateException)
        {
            return new Refusal(ApiErrors.Conflict("A user with this username or email already exists in this application."));
        }
    }

    public async Task<Outcome<AppUser>> GetAsync(Caller caller, string org, string app, string user, CancellationToken cancellationToken) =>
        await FindAsync(caller, org, app, user, Powers.CanReadAppUser, cancellationToken);

    public async Task<Outcome<Page<AppUser>>> ListAsync(
        Caller caller, string org, string app, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        if (!Powers.CanManageApp(caller, org, app))
        {
            return new Refusal(ApiErrors.Forbidden(caller));
        }

        if (await FindAppAsync(org, app, cancellationToken) is not { } application)
        {
            return new Refusal(ApiErrors.NotFound($"Application {org}/{app}"));
        }

        if (Paging.TryParse(limit, cursor, out var take, out var after) is { } error)
        {
            return new Refusal(ApiErrors.BadRequest(error));
        }

        var rows = await db.AppUsers.AsNoTracking()
            .Where(u => u.ApplicationId == application.Id && (after == null || string.Compare(u.Username, after) > 0))
            .OrderBy(u => u.Username).Take(take + 1)
            .ToListAsync(cancellationToken);
        return Paging.Build(rows, take, u => u.Username);
    }

    public async Task<Outcome<AppUser>> UpdateAsync(
        Caller caller, string org, string app, string user, UpdateUserRequest? body, CancellationToken cancellationToken)
    {
        var found = await FindAsync(caller, org, app, user, (c, o, a, _) => Powers.CanManageApp(c, o, a), cancellationToken);
        if (found.Value is not { } appUser)
        {
            return found;
        }

        if (ValidateUpdate(body) is { } error)
        {
            return new Refusal(ApiErrors.BadRequest(error));
        }

        if (body!.Email is { } email && await db.AppUsers.AnyAsync(
                u => u.ApplicationId == appUser.ApplicationId && u.Id != appUser.Id && u.Email == UserNames.Normalize(email), cancellationToken))
        {
            return new Refusal(ApiErrors.Conflict("Another user of this application has this email."));
        }

        var deactivated = appUser.Activated && body.Activated == false;
        appUser.Activated = body.Activated ?? appUser.Activated;
        appUser.Email = body.Email is null ? appUser.Email : UserNames.Normalize(body.Email);
        appUser.Name = body.Name ?? appUser.Name;
        appUser.PasswordHash = body.Password is null ? appUser.PasswordHash : Passwords.Hash(body.Password);
        appUser.Modified = clock.GetUtcNow();
        await accounts.SaveAsync(appUser.Id, deactivated, cancellationToken);
        return appUser;
    }

    public async Task<Outcome<AppUser>> DeleteAsync(Caller caller, string org, string app, string user, CancellationToken cancellationToken)
    {
        var found = await FindAsync(caller, org, app, user, (c, o, a, _) => Powers.CanManageApp(c, o, a), cancellationToken);
        if (found.Value is { } appUser)
        {
            await accounts.DeleteAppUserAsync(appUser, cancellationToken);
        }

        return found;
    }

    public async Task<Outcome<long>> RevokeTokensAsync(Caller caller, string org, string app, string user, CancellationToken cancellationToken)
    {
        var found = await FindAsync(caller, org, app, user, Powers.CanRevokeAppUserTokens, cancellationToken);
        return found.Value is { } appUser
            ? await accounts.RevokeTokensAsync(appUser.Id, cancellationToken)
            : new Refusal(found.Refusal!);
    }

    public async Task<Outcome<AppUser>> RevokeTokenAsync(
        Caller caller, string org, string app, string user, string? token, CancellationToken cancellationToken)
    {
        var found = await FindAsync(caller, org, app, user, Powers.CanRevokeAppUserTokens, cancellationToken);
        if (found.Value is not { } appUser)
        {
            return found;
        }

        if (string.IsNullOrEmpty(token))
        {
            return new Refusal(ApiErrors.BadRequest("token is required."));
        }

        return await accounts.RevokeTokenAsync(appUser.Id, token, cancellationToken)
            ? appUser
            : new Refusal(ApiErrors.NotFound("That token of this user"));
    }

    /// <summary>
    /// Finds a user by uuid, username or "me". A caller without power gets the same 403 whether or not the user
    /// exists, so it learns nothing about who is there.
    /// </summary>
    private async Task<Outcome<AppUser>> FindAsync(
        Caller caller, string org, string app, string user, Func<Caller, string, string, Guid, bool> allowed,
        CancellationToken cancellationToken)
    {
        if (user == Me)
        {
            if (caller.Type != PrincipalType.AppUser)
            {
                return new Refusal(ApiErrors.Forbidden(caller));
            }

            user = caller.Subject;
        }

        var application = await FindAppAsync(org, app, cancellationToken);
        var appUser = application is null ? null : await accounts.FindAppUserAsync(application.Id, user, cancellationToken);
        if (appUser is not null && allowed(caller, org, app, appUser.Id))
        {
            return appUser;
        }

        return new Refusal(Powers.CanManageApp(caller, org, app)
            ? ApiErrors.NotFound($"User {user} of {org}/{app}")
            : ApiErrors.Forbidden(caller));
    }

    private Task<Application?> FindAppAsync(string org, string app, CancellationToken cancellationToken) =>
        db.Applications.AsNoTracking().FirstOrDefaultAsync(a => a.Organization.Name == org && a.Name == app, cancellationToken);

    internal static string? ValidateCreate(CreateUserRequest? body) =>
        body is null
            ? "The body must be a JSON object with username and password."
            : UserNames.ValidateUsername(body.Username) ?? UserNames.ValidateEmail(body.Email, required: false) ??
              Passwords.Validate(body.Password) ?? ValidateName(body.Name);

    internal static string? ValidateUpdate(UpdateUserRequest? body) =>
        body is null
            ? "The body must be a JSON object."
            : UserNames.ValidateEmail(body.Email, required: false) ??
              (body.Password is null ? null : Passwords.Validate(body.Password)) ?? ValidateName(body.Name);

    internal static string? ValidateName(string? name) =>
        name is { Length: > Data.Limits.DisplayNameLength } ? "name must be at most 256 characters." : null;
}
