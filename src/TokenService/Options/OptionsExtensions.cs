namespace TokenService.Options;

/// <summary>Binds every options class and validates it when the host starts, so a bad setting stops the start.</summary>
public static class OptionsExtensions
{
    public static IHostApplicationBuilder AddTokenServiceOptions(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Bind<DatabaseOptions>(builder, DatabaseOptions.Section);
        Bind<SuperuserOptions>(builder, SuperuserOptions.Section);
        Bind<TokenLifetimeOptions>(builder, TokenLifetimeOptions.Section);
        Bind<RegistrationOptions>(builder, RegistrationOptions.Section);
        Bind<PruningOptions>(builder, PruningOptions.Section);
        Bind<KeysOptions>(builder, KeysOptions.Section);
        Bind<BruteForceOptions>(builder, BruteForceOptions.Section);
        return builder;
    }

    private static void Bind<TOptions>(IHostApplicationBuilder builder, string section) where TOptions : class =>
        builder.Services.AddOptions<TOptions>()
            .Bind(builder.Configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
