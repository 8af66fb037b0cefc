using Microsoft.Extensions.Options;
using OpenIddict.Server;
using TokenService.OAuth.Lean;
using TokenService.Tokens;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace TokenService.OAuth;

/// <summary>OpenIddict owns the protocol endpoints; the service extends it only through event handlers.</summary>
public static class OpenIddictExtensions
{
    public static IHostApplicationBuilder AddTokenServiceOpenIddict(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddScoped<GrantIssuer>();
        services.AddLeanProtocolPath();
        services.AddSingleton<ValidatedTokenCaching.RequireCacheMiss>();

        // OpenIddict's database-reading token handlers run only on a cache miss. Replaced in place, after OpenIddict
        // has registered them (its RemoveEventHandler would also remove a re-added handler of the same type).
        services.PostConfigure<OpenIddictServerOptions>(options =>
        {
            foreach (var descriptor in ValidatedTokenCaching.SkippedOnHit)
            {
                var index = options.Handlers.IndexOf(descriptor);
                if (index >= 0)
                {
                    options.Handlers[index] = ValidatedTokenCaching.OnlyOnMiss(descriptor);
                }
            }
        });
        services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, ServerKeys>();
        services.AddOptions<OpenIddictServerOptions>().Configure<IOptions<Options.TokenLifetimeOptions>>((o, tokens) =>
            o.Issuer = tokens.Value.Issuer ?? o.Issuer);

        services.AddOpenIddict()
            .AddServer(options =>
            {
                options.SetTokenEndpointUris(ProtocolPaths.Relative(ProtocolPaths.Token))
                    .SetIntrospectionEndpointUris(ProtocolPaths.Relative(ProtocolPaths.Introspection))
                    .SetRevocationEndpointUris(ProtocolPaths.Relative(ProtocolPaths.Revocation))
                    .SetConfigurationEndpointUris(
                        ProtocolPaths.Relative(ProtocolPaths.Configuration), ProtocolPaths.Relative(ProtocolPaths.AuthorizationServerMetadata))
                    .SetJsonWebKeySetEndpointUris(ProtocolPaths.Relative(ProtocolPaths.JsonWebKeySet));

                options.AllowClientCredentialsFlow()
                    .AllowPasswordFlow()
                    .AllowRefreshTokenFlow();

                // Opaque reference tokens: the client holds 256 random bits, the database holds the payload and the
                // status, so revocation is authoritative and tokens reveal nothing.
                options.UseReferenceAccessTokens()
                    .UseReferenceRefreshTokens();

                // An access token's payload never leaves the server (clients hold only the reference) and holds no
                // secret (who it was issued to, tenant, lifetime), so it is signed, not encrypted: encryption cost a
                // key wrap, an AES-CBC+HMAC pass and two native cipher handles per token and per validation, and
                // protected nothing a database reader could not see in the other columns. The database stores only a
                // digest of the reference, never the bearer value. Refresh tokens stay encrypted.
                options.DisableAccessTokenEncryption();

                // Nobody consents to anything here (no authorization codes): OpenIddict's ad-hoc authorizations
                // would be one more row per sign-in with nothing to use it for. Users' tokens are revoked by subject.
                options.DisableAuthorizationStorage();

                // Lifetimes come from the TTL policy on every principal; a principal without one never expires.
                options.SetAccessTokenLifetime(null);

                foreach (var descriptor in OAuth.BruteForceHandlers.Descriptors)
                {
                    options.AddEventHandler(descriptor);
                }

                options.AddEventHandler(ClientCredentialsGrant.Descriptor);
                options.AddEventHandler(PasswordGrant.Descriptor);
                options.AddEventHandler(RefreshTokenGrant.Descriptor);
                options.AddEventHandler(CountIssuedTokens.Descriptor);
                options.AddEventHandler(RefuseMalformedTokens.Descriptor);
                options.AddEventHandler(IssuerEndpoints.Descriptor);
                options.AddEventHandler(ValidatedTokenCaching.UseCachedToken.Descriptor);

                options.AddEventHandler(ExactLifetime.ApplyToToken.Descriptor);
                options.AddEventHandler(ExactLifetime.ApplyToResponse.Descriptor);
                options.AddEventHandler(ExactLifetime.RefuseAtExactExpiry.Descriptor);
                options.RemoveEventHandler(OpenIddictServerHandlers.Introspection.ValidateAuthorizedParty.Descriptor);
                options.AddEventHandler(TenantScopedIntrospection.Descriptor);
                options.AddEventHandler(IntrospectionClaims.Descriptor);
                options.AddEventHandler(CountIntrospections.Descriptor);
                options.RemoveEventHandler(OpenIddictServerHandlers.Revocation.ValidateAuthorizedParty.Descriptor);
                options.AddEventHandler(TenantScopedRevocation.Descriptor);
                options.AddEventHandler(OAuth.RecordRevocation.Descriptor);

                // The only client authentication methods the service supports, and so the only ones advertised.
                options.Configure(o =>
                {
                    // Expiry is exact (Usergrid clients compute it from expires_in): no five-minute grace.
                    o.TokenValidationParameters.ClockSkew = TimeSpan.Zero;

                    // Without a configured issuer OpenIddict names itself after the host each request used, and then
                    // refused its own tokens when asked under another name (localhost vs 127.0.0.1, an instance's own
                    // address vs the balancer's, a restart on another port). Every token it reads is a reference to a
                    // row in its own database, signed with its own key: the name it was issued under proves nothing
                    // more, so any is accepted. Tokens:Issuer pins the name where clients should see a fixed one.
                    o.TokenValidationParameters.IssuerValidator = static (issuer, _, _) => issuer;
                    o.ClientAuthenticationMethods.Clear();
                    o.ClientAuthenticationMethods.Add(ClientAuthenticationMethods.ClientSecretBasic);
                    o.ClientAuthenticationMethods.Add(ClientAuthenticationMethods.ClientSecretPost);
                });

                options.UseAspNetCore()
                    // TLS is terminated by a proxy in front of production deployments; transport
                    // enforcement is configured for the whole host, not per endpoint.
                    .DisableTransportSecurityRequirement();
            })
            .AddValidation(options =>
            {
                // Bearer tokens on the management API are checked by the same server, in process.
                options.UseLocalServer();
                options.EnableTokenEntryValidation();
                options.Configure(o => o.TokenValidationParameters.ClockSkew = TimeSpan.Zero);
            });

        return builder;
    }
}
