namespace TokenService.Options;

/// <summary>Binds every options class and validates it when the host starts, so a bad setting stops the start.</summary>
public static class OptionsExtensions
{
    public static IHostApplicationBuilder AddTokenServiceOptions(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<DatabaseOptions>()
            .Configure<IConfiguration>((options, configuration) => options.ReadFrom(configuration))
            .ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();
        Bind<SuperuserOptions>(builder, SuperuserOptions.Section);
        Bind<TokenLifetimeOptions>(builder, TokenLifetimeOptions.Section)
            .Validate(o => o.Issuer is null || o.Issuer.IsAbsoluteUri, "Tokens:Issuer must be an absolute URI.");
        Bind<RegistrationOptions>(builder, RegistrationOptions.Section);
        Bind<PruningOptions>(builder, PruningOptions.Section);
        Bind<KeysOptions>(builder, KeysOptions.Section);
        Bind<BruteForceOptions>(builder, BruteForceOptions.Section);
        Bind<RateLimitOptions>(builder, RateLimitOptions.Section);
        Bind<LimitsOptions>(builder, LimitsOptions.Section);
        Bind<LeanPathOptions>(builder, LeanPathOptions.Section);
        Bind<CacheOptions>(builder, CacheOptions.Section);
        Bind<BenchOptions>(builder, BenchOptions.Section);
        Bind<MetricsOptions>(builder, MetricsOptions.Section)
            .Validate(o => o.AllowedAddresses.All(a => System.Net.IPAddress.TryParse(a, out _)), "Metrics:AllowedAddresses must list IP addresses.");
        Bind<TransportOptions>(builder, TransportOptions.Section)
            .Validate(o => o.TrustedProxies.All(p => System.Net.IPAddress.TryParse(p, out _)),
                "Transport:TrustedProxies must list IP addresses.");
        return builder;
    }

    /// <summary>
    /// Validates every setting now, before anything starts, so that a bad one ends the start with its message (the
    /// host would otherwise log it as a crash with a stack trace).
    /// </summary>
    public static void ValidateSettings(this IHost app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
    }

    private static Microsoft.Extensions.Options.OptionsBuilder<TOptions> Bind<TOptions>(IHostApplicationBuilder builder, string section) where TOptions : class =>
        builder.Services.AddOptions<TOptions>()
            .Bind(builder.Configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
