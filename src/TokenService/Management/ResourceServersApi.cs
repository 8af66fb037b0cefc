using Microsoft.EntityFrameworkCore;
using TokenService.Api;
using TokenService.Data;
using TokenService.Principals;
using TokenService.Tenants;

namespace TokenService.Management;

/// <summary><c>/management/orgs/{org}/resource-servers</c>: introspection-only credentials for an organization's APIs.</summary>
public static class ResourceServersApi
{
    public static RouteGroupBuilder MapResourceServers(this RouteGroupBuilder management)
    {
        ArgumentNullException.ThrowIfNull(management);
        var servers = management.MapGroup("/orgs/{org}/resource-servers").WithTags("Resource servers");
        servers.MapPost("/", CreateAsync).WithSummary("Create a resource-server credential (introspection only); the secret is shown once");
        servers.MapGet("/", ListAsync).WithSummary("List an organization's resource-server credentials");
        servers.MapDelete("/{name}", DeleteAsync).WithSummary("Delete a resource-server credential");
        return servers;
    }

    internal static Task<IResult> CreateAsync(
        string org, CreateNamedRequest? body, Caller caller, TokenServiceDbContext db, TenantOperations tenants,
        CancellationToken cancellationToken) =>
        OrganizationsApi.CreateNamedAsync(org, body, caller, db, "Resource server",
            (o, name) => db.ResourceServers.AnyAsync(r => r.OrganizationId == o.Id && r.Name == name, cancellationToken),
            (o, name) => tenants.CreateResourceServerAsync(o, name, cancellationToken), "resource-servers", cancellationToken);

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

        var rows = await db.ResourceServers.AsNoTracking()
            .Where(r => r.OrganizationId == organization!.Id && (after == null || string.Compare(r.Name, after) > 0))
            .OrderBy(r => r.Name).Take(take + 1)
            .Select(r => new ResourceServerResponse(r.Id, r.Name, org, r.ClientId, r.Created, null))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(Paging.Build(rows, take, r => r.Name));
    }

    internal static async Task<IResult> DeleteAsync(
        string org, string name, Caller caller, TokenServiceDbContext db, Tokens.ClientRegistry clients,
        Tokens.SettingsGeneration settings, CancellationToken cancellationToken)
    {
        var (refusal, organization) = await OrganizationsApi.FindAsync(org, caller, db, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var server = await db.ResourceServers.FirstOrDefaultAsync(r => r.OrganizationId == organization!.Id && r.Name == name, cancellationToken);
        if (server is null)
        {
            return ApiErrors.NotFound($"Resource server {org}/{name}");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await clients.DeleteAsync(server.ClientId, server.OrganizationId, cancellationToken);
        db.ResourceServers.Remove(server);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        settings.Advance(); // committed: this instance forgets the credential now, others within a second
        return TypedResults.Ok(new ResourceServerResponse(server.Id, server.Name, org, server.ClientId, server.Created));
    }
}
