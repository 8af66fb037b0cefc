using TokenService.Callers;

namespace TokenService.Management;

/// <summary>Composes the management API: every endpoint below resolves its caller first.</summary>
public static class ManagementApi
{
    public static IEndpointRouteBuilder MapManagementApi(this IEndpointRouteBuilder endpoints)
    {
        var management = endpoints.MapGroup("/management").RequireCaller();
        management.MapOrganizations();
        management.MapApplications();
        management.MapResourceServers();
        management.MapAppUsers();
        management.MapAdminUsers();
        management.MapAudit();
        return endpoints;
    }
}
