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
public sealed class AppUserOperations(TokenServiceDbContext db, UserAccounts accounts)
{
    /// <summary>The path segment that names the calling user itself.</summary>
    public const string Me = "me";

    public async Task<Outcome<(AppUser User, bool Created)>> CreateAsync(
        Caller caller, string org, string app, CreateUserRequest? body, CancellationToken cancellationToken)
    {
        var application = await FindAppAsync(org, app, cancellationToken);
        if (application is null)
        {
            return Powers.CanManageApp(caller, org, app) ? ApiErrors.NotFound($"Application {org}/{app}") : ApiErrors.Forbidden(caller);
        }

        if (!Powers.CanCreateAppUser(caller, org, app, application.Secured))
        {
            return ApiErrors.Forbidden(caller);
        }

        if (UserValidation.ValidateAppUserCreate(body) is { } error)
        {
            return ApiErrors.BadRequest(error);
        }

        if (await accounts.AppUserExistsAsync(application.Id, body!.Username!, body.Email, cancellationToken))
        {
            return ApiErrors.Conflict("A user with this username or email already exists in this application.");
        }

        try
        {
            return (await accounts.CreateAppUserAsync(application, body.Username!, body.Email, body.Password!, body.Name, cancellationToken), true);
        }
        catch (DbUpdateException)
        {
            return ApiErrors.Conflict("A user with this username or email already exists in this application.");
        }
    }

    public async Task<Outcome<AppUser>> GetAsync(Caller caller, string org, string app, string user, CancellationToken cancellationToken) =>
        await FindAsync(caller, org, app, user, Powers.CanReadAppUser, cancellationToken);

    public async Task<Outcome<Page<AppUser>>> ListAsync(
        Caller caller, string org, string app, PageRequest page, CancellationToken cancellationToken)
    {
        if (!Powers.CanManageApp(caller, org, app))
        {
            return ApiErrors.Forbidden(caller);
        }

        if (await FindAppAsync(org, app, cancellationToken) is not { } application)
        {
            return ApiErrors.NotFound($"Application {org}/{app}");
        }

        ArgumentNullException.ThrowIfNull(page);
        var query = page.Read();
        if (query.Refused)
        {
            return query.Refusal;
        }

        var (take, after) = query.Value;
        var rows = await db.AppUsers.AsNoTracking()
            .Where(u => u.ApplicationId == application.Id && (after == null || string.Compare(u.Username, after) > 0))
            .OrderBy(u => u.Username).Take(take + 1)
            .ToListAsync(cancellationToken);
        return query.Value.Build(rows, u => u.Username);
    }

    public async Task<Outcome<AppUser>> UpdateAsync(
        Caller caller, string org, string app, string user, UpdateUserRequest? body, CancellationToken cancellationToken)
    {
        var found = await FindAsync(caller, org, app, user, (c, o, a, _) => Powers.CanManageApp(c, o, a), cancellationToken);
        if (found.Value is not { } appUser)
        {
            return found;
        }

        return await accounts.UpdateAsync(appUser, body,
            (email, cancellation) => db.AppUsers.AnyAsync(
                u => u.ApplicationId == appUser.ApplicationId && u.Id != appUser.Id && u.Email == email, cancellation),
            "Another user of this application has this email.", cancellationToken);
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
            : found.Refusal!;
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
            return ApiErrors.BadRequest("token is required.");
        }

        return await accounts.RevokeTokenAsync(appUser.Id, token, cancellationToken)
            ? appUser
            : ApiErrors.NotFound("That token of this user");
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
                return ApiErrors.Forbidden(caller);
            }

            user = caller.Subject;
        }

        var application = await FindAppAsync(org, app, cancellationToken);
        var appUser = application is null ? null : await accounts.FindAppUserAsync(application.Id, user, cancellationToken);
        if (appUser is not null && allowed(caller, org, app, appUser.Id))
        {
            return appUser;
        }

        return Powers.CanManageApp(caller, org, app)
            ? ApiErrors.NotFound($"User {user} of {org}/{app}")
            : ApiErrors.Forbidden(caller);
    }

    private Task<Application?> FindAppAsync(string org, string app, CancellationToken cancellationToken) =>
        db.Applications.AsNoTracking().Named(org, app).FirstOrDefaultAsync(cancellationToken);
}
