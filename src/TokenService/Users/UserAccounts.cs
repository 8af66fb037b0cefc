using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using TokenService.Api;
using TokenService.Data;
using TokenService.Data.Entities;
using TokenService.Principals;

namespace TokenService.Users;

/// <summary>
/// Admin users and app users: lookups, password checks, and the rule that a user who is deactivated or deleted
/// loses every token it holds (access and refresh) at once.
/// </summary>
public sealed class UserAccounts(
    TokenServiceDbContext db, IOpenIddictTokenManager tokens, TimeProvider clock, Audit.AuditLog audits, Telemetry.ServiceMetrics metrics)
{
    /// <summary>An admin user by uuid or username.</summary>
    public Task<AdminUser?> FindAdminAsync(string idOrName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(idOrName);
        var name = UserNames.Normalize(idOrName);
        if (!UserNames.CouldBeStored(name))
        {
            return Task.FromResult<AdminUser?>(null);
        }

        return UserNames.IsUuid(idOrName, out var id)
            ? db.AdminUsers.FirstOrDefaultAsync(u => u.Id == id, cancellationToken)
            : db.AdminUsers.FirstOrDefaultAsync(u => u.Username == name, cancellationToken);
    }

    /// <summary>A user of one application by uuid or username.</summary>
    public Task<AppUser?> FindAppUserAsync(Guid appId, string idOrName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(idOrName);
        var name = UserNames.Normalize(idOrName);
        if (!UserNames.CouldBeStored(name))
        {
            return Task.FromResult<AppUser?>(null);
        }

        return UserNames.IsUuid(idOrName, out var id)
            ? db.AppUsers.FirstOrDefaultAsync(u => u.ApplicationId == appId && u.Id == id, cancellationToken)
            : db.AppUsers.FirstOrDefaultAsync(u => u.ApplicationId == appId && u.Username == name, cancellationToken);
    }

    /// <summary>The activated admin user with this username (or email) and password, or <c>null</c>.</summary>
    public async Task<AdminUser?> SignInAdminAsync(string username, string password, CancellationToken cancellationToken)
    {
        var name = UserNames.Normalize(username);
        var user = !UserNames.CouldBeStored(name) ? null : await db.AdminUsers.AsNoTracking()
            .FirstOrDefaultAsync(u => u.Username == name || u.Email == name, cancellationToken);
        return Passwords.Verify(user?.PasswordHash, password) && user!.Activated ? user : null;
    }

    /// <summary>The activated user of the app with this username (or email) and password, or <c>null</c>.</summary>
    public async Task<AppUser?> SignInAppUserAsync(Guid appId, string username, string password, CancellationToken cancellationToken)
    {
        var name = UserNames.Normalize(username);
        var user = !UserNames.CouldBeStored(name) ? null : await db.AppUsers.AsNoTracking()
            .FirstOrDefaultAsync(u => u.ApplicationId == appId && (u.Username == name || u.Email == name), cancellationToken);
        return Passwords.Verify(user?.PasswordHash, password) && user!.Activated ? user : null;
    }

    /// <summary>The organizations an admin user belongs to.</summary>
    public async Task<IReadOnlyList<Membership>> MembershipsAsync(Guid adminId, CancellationToken cancellationToken) =>
        await db.OrganizationAdmins.AsNoTracking()
            .Where(m => m.AdminUserId == adminId)
            .Select(m => new Membership(m.OrganizationId, m.Organization.Name))
            .ToListAsync(cancellationToken);

    /// <summary>The organizations of several admin users, in one query: admin user id → their organizations' names, in name order.</summary>
    public async Task<ILookup<Guid, string>> OrganizationNamesAsync(Guid[] adminIds, CancellationToken cancellationToken) =>
        (await db.OrganizationAdmins.AsNoTracking()
            .Where(m => adminIds.Contains(m.AdminUserId))
            .Select(m => new { m.AdminUserId, m.Organization.Name })
            .ToListAsync(cancellationToken))
        .OrderBy(m => m.Name, StringComparer.Ordinal)
        .ToLookup(m => m.AdminUserId, m => m.Name);

    public async Task<AdminUser> CreateAdminAsync(string username, string email, string password, string? name, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var user = new AdminUser
        {
            Id = Guid.NewGuid(), Username = UserNames.Normalize(username), Email = UserNames.Normalize(email), Name = name,
            PasswordHash = Passwords.Hash(password), Created = now, Modified = now,
        };
        db.AdminUsers.Add(user);
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    public async Task<bool> AdminExistsAsync(string username, string email, CancellationToken cancellationToken)
    {
        var (name, mail) = (UserNames.Normalize(username), UserNames.Normalize(email));
        return await db.AdminUsers.AnyAsync(u => u.Username == name || u.Email == mail, cancellationToken);
    }

    public async Task AddToOrganizationAsync(AdminUser user, Organization org, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(org);
        if (!await db.OrganizationAdmins.AnyAsync(m => m.AdminUserId == user.Id && m.OrganizationId == org.Id, cancellationToken))
        {
            db.OrganizationAdmins.Add(new OrganizationAdmin { AdminUserId = user.Id, OrganizationId = org.Id, Created = clock.GetUtcNow() });
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    public async Task<AppUser> CreateAppUserAsync(
        Application app, string username, string? email, string password, string? name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var now = clock.GetUtcNow();
        var user = new AppUser
        {
            Id = Guid.NewGuid(), ApplicationId = app.Id, Username = UserNames.Normalize(username),
            Email = email is null ? null : UserNames.Normalize(email), Name = name,
            PasswordHash = Passwords.Hash(password), Created = now, Modified = now,
        };
        db.AppUsers.Add(user);
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }

    public async Task<bool> AppUserExistsAsync(Guid appId, string username, string? email, CancellationToken cancellationToken)
    {
        var name = UserNames.Normalize(username);
        var mail = email is null ? null : UserNames.Normalize(email);
        return await db.AppUsers.AnyAsync(
            u => u.ApplicationId == appId && (u.Username == name || (mail != null && u.Email == mail)), cancellationToken);
    }

    /// <summary>Revokes every token (access and refresh) of a user and records it; returns how many were revoked.</summary>
    public async Task<long> RevokeTokensAsync(Guid userId, CancellationToken cancellationToken)
    {
        var revoked = await tokens.RevokeBySubjectAsync(userId.ToString(), cancellationToken);
        await audits.RecordAsync(Audit.AuditKinds.TokensRevoked, await OrganizationOfAsync(userId, cancellationToken),
            userId.ToString(), $"{revoked} revoked");
        metrics.Revoked("user", revoked);
        return revoked;
    }

    /// <summary>The organization of an app user (an admin user belongs to none).</summary>
    private Task<Guid?> OrganizationOfAsync(Guid userId, CancellationToken cancellationToken) =>
        db.AppUsers.AsNoTracking().Where(u => u.Id == userId).Select(u => (Guid?)u.Application.OrganizationId).FirstOrDefaultAsync(cancellationToken);

    /// <summary>
    /// Revokes one token if, and only if, it belongs to the user. A token of anyone else is reported as not found
    /// and left alone, so the endpoint cannot be used to revoke or probe other people's tokens.
    /// </summary>
    public async Task<bool> RevokeTokenAsync(Guid userId, string token, CancellationToken cancellationToken)
    {
        if (await tokens.FindByReferenceIdAsync(token, cancellationToken) is not { } entry ||
            await tokens.GetSubjectAsync(entry, cancellationToken) != userId.ToString())
        {
            return false;
        }

        if (await tokens.TryRevokeAsync(entry, cancellationToken))
        {
            metrics.Revoked("token", 1);
            await audits.RecordAsync(Audit.AuditKinds.TokenRevoked, await OrganizationOfAsync(userId, cancellationToken),
                "token:" + await tokens.GetIdAsync(entry, cancellationToken), $"of {userId}");
        }

        return true;
    }

    /// <summary>
    /// Applies an update to an admin or app user: absent fields stay, the email stays unique where
    /// <paramref name="emailTaken"/> says, and deactivation revokes every token the user holds once saved.
    /// </summary>
    public async Task<Outcome<TUser>> UpdateAsync<TUser>(
        TUser user, UpdateUserRequest? body, Func<string, CancellationToken, Task<bool>> emailTaken, string conflict,
        CancellationToken cancellationToken) where TUser : class, IUserAccount
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(emailTaken);
        if (UserValidation.ValidateUpdate(body) is { } error)
        {
            return ApiErrors.BadRequest(error);
        }

        if (body!.Email is { } email)
        {
            var normalized = UserNames.Normalize(email);
            if (await emailTaken(normalized, cancellationToken))
            {
                return ApiErrors.Conflict(conflict);
            }

            user.ChangeEmail(normalized);
        }

        var deactivated = user.Activated && body.Activated == false;
        user.Activated = body.Activated ?? user.Activated;
        user.Name = body.Name ?? user.Name;
        user.PasswordHash = body.Password is null ? user.PasswordHash : Passwords.Hash(body.Password);
        user.Modified = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        if (deactivated)
        {
            await RevokeTokensAsync(user.Id, cancellationToken);
        }

        return user;
    }

    public async Task DeleteAdminAsync(AdminUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        db.AdminUsers.Remove(user);
        await db.SaveChangesAsync(cancellationToken);
        await RevokeTokensAsync(user.Id, cancellationToken);
    }

    public async Task DeleteAppUserAsync(AppUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        db.AppUsers.Remove(user);
        await db.SaveChangesAsync(cancellationToken);
        await RevokeTokensAsync(user.Id, cancellationToken);
    }
}
