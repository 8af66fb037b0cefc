namespace TokenService.Users;

/// <summary>Registers admin and app users' accounts and the operations both API shapes share.</summary>
public static class UsersExtensions
{
    public static IHostApplicationBuilder AddTokenServiceUsers(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddScoped<UserAccounts>();
        builder.Services.AddScoped<AppUserOperations>();
        return builder;
    }
}
