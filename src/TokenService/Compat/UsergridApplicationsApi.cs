using TokenService.Callers;
using TokenService.Management;

namespace TokenService.Compat;

/// <summary>Usergrid's application paths, translated onto the management handlers; no rules of their own.</summary>
public static class UsergridApplicationsApi
{
    public static IEndpointRouteBuilder MapUsergridApplications(this IEndpointRouteBuilder endpoints)
    {
        var apps = endpoints.MapGroup("/{org}/{app}").RequireCaller().WithTags("Usergrid-compatible");
        apps.MapGet("/", ApplicationsApi.GetAsync).WithSummary("Read an application (Usergrid path)");
        apps.MapPut("/", ApplicationsApi.UpdateAsync).WithSummary("Change an application's accesstokenttl or secured flag (Usergrid path)");
        apps.MapUsergridUsers();
        return endpoints;
    }
}
