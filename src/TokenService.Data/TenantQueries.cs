using TokenService.Data.Entities;

namespace TokenService.Data;

/// <summary>How a tenant is found by its names: written once for every endpoint that is given them in a path or body.</summary>
public static class TenantQueries
{
    /// <summary>The organization named <paramref name="org"/> (names are unique).</summary>
    public static IQueryable<Organization> Named(this IQueryable<Organization> organizations, string org) =>
        organizations.Where(o => o.Name == org);

    /// <summary>The application <paramref name="app"/> of the organization <paramref name="org"/> (unique per organization).</summary>
    public static IQueryable<Application> Named(this IQueryable<Application> applications, string org, string app) =>
        applications.Where(a => a.Organization.Name == org && a.Name == app);
}
