using System.Globalization;
using Microsoft.EntityFrameworkCore;
using TokenService.Api;
using TokenService.Callers;
using TokenService.Data;
using TokenService.Data.Entities;
using TokenService.Principals;
using TokenService.Tokens;

namespace TokenService.Tenants;

/// <summary>
/// Creates and removes organizations, applications and resource servers together with their OpenIddict
/// clients, in one transaction each, so a tenant never exists without its client or the other way round.
/// </summary>
public sealed class TenantOperations(TokenServiceDbContext db, ClientRegistry clients, Users.UserAccounts users, TimeProvider clock,
    Tokens.SettingsGeneration settings, Tokens.TokenGeneration tokens, Audit.AuditLog audits)
{
    /// <summary>
    /// The organization <paramref name="org"/>, tracked, if the caller has power over it. Powers are checked on the
    /// name before the lookup, so a caller without power gets 403 whether or not it exists and cannot probe for other
    /// tenants' names.
    /// </summary>
    public async Task<Outcome<Organization>> FindOrganizationAsync(Caller caller, string org, CancellationToken cancellationToken)
    {
        if (!Powers.CanManageOrg(caller, org))
        {
            return ApiErrors.Forbidden(caller);
        }

        return await db.Organizations.Named(org).FirstOrDefaultAsync(cancellationToken) is { } organization
            ? organization
            : ApiErrors.NotFound($"Organization {org}");
    }

    /// <summary>The application <paramref name="org"/>/<paramref name="app"/>, tracked; powers first, as for organizations.</summary>
    public async Task<Outcome<Application>> FindApplicationAsync(Caller caller, string org, string app, CancellationToken cancellationToken)
    {
        if (!Powers.CanManageApp(caller, org, app))
        {
            return ApiErrors.Forbidden(caller);
        }

        return await db.Applications.Named(org, app).FirstOrDefaultAsync(cancellationToken) is { } application
            ? application
            : ApiErrors.NotFound($"Application {org}/{app}");
    }

    /// <summary>Creates an organization, its sandbox app and, when <paramref name="owner"/> is given, its first admin user.</summary>
    public async Task<OrganizationCreatedResponse> CreateOrganizationAsync(
        string name, Users.CreateUserRequest? owner, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var credentials = await clients.CreateAsync(PrincipalKinds.Of(PrincipalType.OrgClient), $"org:{name}", cancellationToken);
        var org = new Organization
        {
            Id = Guid.NewGuid(), Name = name, ClientId = credentials.ClientId,
            SecretIssuedAt = now, Created = now, Modified = now,
        };
        db.Organizations.Add(org);
        await db.SaveChangesAsync(cancellationToken);
        var sandbox = await AddApplicationAsync(org, Application.SandboxName, secured: false, cancellationToken);
        Users.AdminUserResponse? ownerResponse = null;
        if (owner is not null)
        {
            var admin = await users.CreateAdminAsync(owner.Username!, owner.Email!, owner.Password!, owner.Name, cancellationToken);
            await users.AddToOrganizationAsync(admin, org, cancellationToken);
            ownerResponse = Users.AdminUserResponse.From(admin, [org.Name]);
        }

        await transaction.CommitAsync(cancellationToken);
        return new OrganizationCreatedResponse(org.Id, org.Name, org.ClientId, credentials.ClientSecret,
            org.AccessTokenTtl, org.Created, org.Modified, sandbox, ownerResponse);
    }

    public async Task<ApplicationCreatedResponse> CreateApplicationAsync(Organization org, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(org);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var created = await AddApplicationAsync(org, name, secured: true, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    public async Task<ResourceServerResponse> CreateResourceServerAsync(Organization org, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(org);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var credentials = await clients.CreateAsync(
            PrincipalKinds.Of(PrincipalType.ResourceServer), $"rs:{org.Name}/{name}", cancellationToken);
        var server = new ResourceServer
        {
            Id = Guid.NewGuid(), OrganizationId = org.Id, Name = name, ClientId = credentials.ClientId,
            SecretIssuedAt = now, Created = now,
        };
        db.ResourceServers.Add(server);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new ResourceServerResponse(server.Id, name, org.Name, server.ClientId, now, credentials.ClientSecret);
    }

    /// <summary>Removes an application and its client; every token issued under it is revoked with it.</summary>
    public async Task DeleteApplicationAsync(Application app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await clients.DeleteAsync(app.ClientId, app.OrganizationId, cancellationToken);
        await clients.DeleteAsync(app.PublicClientId, app.OrganizationId, cancellationToken);
        db.Applications.Remove(app);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        settings.Advance(); // committed: what this instance remembers of the tenant (and its tokens) dies now
        tokens.Advance();
    }

    /// <summary>Removes an organization with all its apps, resource servers and clients, revoking every token issued under it.</summary>
    public async Task DeleteOrganizationAsync(Organization org, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(org);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var clientIds = await db.Applications.Where(a => a.OrganizationId == org.Id).Select(a => a.ClientId)
            .Concat(db.Applications.Where(a => a.OrganizationId == org.Id).Select(a => a.PublicClientId))
            .Concat(db.ResourceServers.Where(r => r.OrganizationId == org.Id).Select(r => r.ClientId))
            .ToListAsync(cancellationToken);
        clientIds.Add(org.ClientId);
        foreach (var clientId in clientIds)
        {
            await clients.DeleteAsync(clientId, org.Id, cancellationToken);
        }

        db.Organizations.Remove(org);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        settings.Advance(); // committed: what this instance remembers of the tenant (and its tokens) dies now
        tokens.Advance();
    }

    private async Task<ApplicationCreatedResponse> AddApplicationAsync(
        Organization org, string name, bool secured, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var credentials = await clients.CreateAsync(PrincipalKinds.Of(PrincipalType.AppClient), $"app:{org.Name}/{name}", cancellationToken);
        var publicClientId = ClientRegistry.NewPublicClientId(ClientDirectory.PublicPrefix);
        await clients.CreateSignInClientAsync(publicClientId, PrincipalKinds.Of(PrincipalType.AppUser), $"users:{org.Name}/{name}", cancellationToken);
        var app = new Application
        {
            Id = Guid.NewGuid(), OrganizationId = org.Id, Name = name, ClientId = credentials.ClientId,
            PublicClientId = publicClientId, SecretIssuedAt = now, Secured = secured, Created = now, Modified = now,
        };
        db.Applications.Add(app);
        await db.SaveChangesAsync(cancellationToken);
        return new ApplicationCreatedResponse(app.Id, name, org.Name, app.ClientId, credentials.ClientSecret,
            app.AccessTokenTtl, app.Secured, now, now);
    }

    /// <summary>Deletes a resource server's credential; once committed this instance forgets it at once, others within a second.</summary>
    public async Task DeleteResourceServerAsync(ResourceServer server, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await clients.DeleteAsync(server.ClientId, server.OrganizationId, cancellationToken);
        db.ResourceServers.Remove(server);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        settings.Advance();
    }

    /// <summary>
    /// Regenerates an organization's or application's client secret: the secret, its issue date and the audit event
    /// commit together; once committed this instance forgets the old secret at once (others within a second).
    /// </summary>
    public async Task<string> RegenerateSecretAsync(IClientTenant tenant, bool revokeTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var secret = await clients.RegenerateSecretAsync(tenant.ClientId, tenant.TenantOrganizationId, revokeTokens, cancellationToken);
        tenant.SecretIssuedAt = clock.GetUtcNow();
        db.AuditEvents.Add(audits.Create(Audit.AuditKinds.CredentialsRegenerated, tenant.TenantOrganizationId, "client:" + tenant.ClientId,
            revokeTokens ? "tokens revoked" : null));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        audits.Written(1);
        clients.AfterRegenerationCommitted();
        return secret;
    }

    /// <summary>
    /// Sets an organization's or application's token TTL (with <paramref name="apply"/>'s other changes of the same row),
    /// audited with the old and new values under <paramref name="target"/>; once committed, this instance's cached
    /// settings die at once (other instances re-read within a second).
    /// </summary>
    public async Task UpdateSettingsAsync(IClientTenant tenant, string target, long? ttl, Action? apply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (ttl is { } value)
        {
            db.AuditEvents.Add(audits.Create(Audit.AuditKinds.TtlChanged, tenant.TenantOrganizationId, target,
                $"accesstokenttl {tenant.AccessTokenTtl?.ToString(CultureInfo.InvariantCulture) ?? "default"} -> {value.ToString(CultureInfo.InvariantCulture)}"));
            tenant.AccessTokenTtl = value;
        }

        apply?.Invoke();
        tenant.Modified = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        audits.Written(ttl is null ? 0 : 1);
        settings.Advance();
    }
}
