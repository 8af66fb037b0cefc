namespace TokenService.Principals;

/// <summary>The wire names of principal types, as tokens carry them and introspection reports them.</summary>
public static class PrincipalTypes
{
    public const string AdminUser = "admin_user";
    public const string OrgClient = "org_client";
    public const string AppClient = "app_client";
    public const string AppUser = "app_user";

    public static string? ToWire(PrincipalType type) => type switch
    {
        PrincipalType.AdminUser => AdminUser,
        PrincipalType.OrgClient => OrgClient,
        PrincipalType.AppClient => AppClient,
        PrincipalType.AppUser => AppUser,
        _ => null,
    };

    public static PrincipalType? FromWire(string? value) => value switch
    {
        AdminUser => PrincipalType.AdminUser,
        OrgClient => PrincipalType.OrgClient,
        AppClient => PrincipalType.AppClient,
        AppUser => PrincipalType.AppUser,
        _ => null,
    };
}
