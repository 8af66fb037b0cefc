namespace TokenService.Tenants;

/// <summary>Registers the creation and deletion of organizations, applications and resource servers.</summary>
public static class TenantsExtensions
{
    public static IHostApplicationBuilder AddTokenServiceTenants(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddScoped<TenantOperations>();
        return builder;
    }
}
