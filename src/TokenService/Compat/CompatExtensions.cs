namespace TokenService.Compat;

/// <summary>Usergrid's paths and shapes, on top of the standard endpoints: everything Usergrid-specific is registered here.</summary>
public static class CompatExtensions
{
    public static IHostApplicationBuilder AddUsergridCompat(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<OAuth.IGrantRule, UsergridTenantRule>();
        builder.Services.AddOpenIddict().AddServer(options => options.AddEventHandler(UsergridTokenResponse.Descriptor));
        return builder;
    }
}
