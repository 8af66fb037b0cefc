using OpenIddict.EntityFrameworkCore.Models;
using TokenService.Data;

namespace TokenService.Tokens;

/// <summary>Registers the tokens room: OpenIddict's core over our DbContext (with our stores and managers), the token reader and caches, the client registry and the TTL policy.</summary>
public static class TokensExtensions
{
    public static IHostApplicationBuilder AddTokenServiceTokens(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        // OpenIddict takes its clock from DI; tests replace it to move time instead of sleeping.
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<TokenGeneration>();
        SharedKeyRing.AddTo(services);
        services.AddSingleton<SettingsGeneration>();
        services.AddSingleton<ValidatedTokenCache>();
        services.AddScoped<TokenReader>();
        services.AddSingleton<VerifiedSecretCache>();
        services.AddScoped<SecretsVerifiedInRequest>();
        services.AddSingleton<ClientFactsCache>();
        services.AddScoped<ClientRegistry>();
        services.AddScoped<TtlPolicy>();
        services.AddSingleton(services => new FreshCache<TtlSetting>(
            services.GetRequiredService<SettingsGeneration>(), services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Options.CacheOptions>>().Value.Entries,
            services.GetRequiredService<Telemetry.ServiceMetrics>(), "ttl_settings"));

        services.AddOpenIddict().AddCore(options =>
        {
            options.UseEntityFrameworkCore().UseDbContext<TokenServiceDbContext>();
            options.ReplaceApplicationManager<OpenIddictEntityFrameworkCoreApplication, CachingApplicationManager>();
            options.ReplaceTokenManager<OpenIddictEntityFrameworkCoreToken, InvalidatingTokenManager>();
            options.ReplaceTokenStore<OpenIddictEntityFrameworkCoreToken, SingleWriteTokenStore>(ServiceLifetime.Scoped);
            options.ReplaceApplicationStore<OpenIddictEntityFrameworkCoreApplication, CompiledApplicationStore>(ServiceLifetime.Scoped);
        });
        return builder;
    }
}
