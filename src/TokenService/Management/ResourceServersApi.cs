using Microsoft.AspNetCore.Http.HttpResults;
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
        servers.MapPost("/", CreateAsync).ProducesConflict().WithSummary("Create a resource-server credential (introspection only); the secret is shown once");
        servers.MapGet("/", ListAsync).WithSummary("List an organization's resource-server credentials");
        servers.MapDelete("/{name}", DeleteAsync).WithSummary("Delete a resource-server credential");
        return servers;
    }

    internal static Task<Results<Created<ResourceServerResponse>, Refusal>> CreateAsync(
        string org, CreateNamedRequest? body, Caller caller, TokenServiceDbContext db, TenantOperations tenants,
        CancellationToken cancellationToken) =>
        OrganizationsApi.CreateNamedAsync(org, body, caller, tenants, "Resource server",
            (o, name) => db.ResourceServers.AnyAsync(r => r.OrganizationId == o.Id && r.Name == name, cancellationToken),
            (o, name) => tenants.CreateResourceServerAsync(o, name, cancellationToken), "resource-servers", cancellationToken);

    internal static async Task<Results<Ok<Page<ResourceServerResponse>>, Refusal>> ListAsync(
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
        var rows = await db.ResourceServers.AsNoTracking()
            .Where(r => r.OrganizationId == organizationId && (after == null || string.Compare(r.Name, after) > 0))
            .OrderBy(r => r.Name).Take(take + 1)
            .Select(r => new ResourceServerResponse(r.Id, r.Name, org, r.ClientId, r.Created, null))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(query.Build(rows, r => r.Name));
    }

    internal static async Task<Results<Ok<ResourceServerResponse>, Refusal>> DeleteAsync(
        string org, string name, Caller caller, TokenServiceDbContext db, TenantOperations tenants, CancellationToken cancellationToken)
    {
        var found = await tenants.FindOrganizationAsync(caller, org, cancellationToken);
        if (found.Refused)
        {
            return found.Refusal;
        }

        var organizationId = found.Value.Id;
        var server = await db.ResourceServers.FirstOrDefaultAsync(r => r.OrganizationId == organizationId && r.Name == name, cancellationToken);
        if (server is null)
        {
            return ApiErrors.NotFound($"Resource server {org}/{name}");
        }

        await tenants.DeleteResourceServerAsync(server, cancellationToken);
        return TypedResults.Ok(new ResourceServerResponse(server.Id, server.Name, org, server.ClientId, server.Created));
    }
}
