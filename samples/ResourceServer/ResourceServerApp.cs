using System.Security.Claims;
using OpenIddict.Validation.AspNetCore;

namespace ResourceServer;

/// <summary>
/// An API protected by TokenService two ways, with stock libraries only:
/// <list type="bullet">
/// <item><c>GET /api/me</c> — standard bearer tokens, checked by OpenIddict's validation handler in introspection mode
/// (it asks TokenService's <c>/introspect</c> on every request, authenticated as a resource-server credential).</item>
/// <item><c>GET /{org}/{app}/items</c> — Usergrid-style requests (a token in <c>?access_token=</c> or the header, an app's
/// client id and secret, or a guest on an open app), checked by one call to TokenService's <c>/access/check</c>.</item>
/// </list>
/// Settings: <c>TokenService:Url</c>, <c>TokenService:ClientId</c>, <c>TokenService:ClientSecret</c> (a resource-server
/// credential created in the portal's Org Overview or by <c>POST /management/orgs/{org}/resource-servers</c>).
/// </summary>
public static class ResourceServerApp
{
    private static readonly string[] Items = ["first", "second"];

    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var service = new Uri(builder.Configuration["TokenService:Url"] ?? throw new InvalidOperationException("TokenService:Url is required."));
        var clientId = builder.Configuration["TokenService:ClientId"] ?? throw new InvalidOperationException("TokenService:ClientId is required.");
        var clientSecret = builder.Configuration["TokenService:ClientSecret"] ?? throw new InvalidOperationException("TokenService:ClientSecret is required.");

        // 1. Bearer tokens: OpenIddict validation, introspection mode. No token is trusted without TokenService's answer,
        //    so a revoked token is refused on its next request.
        builder.Services.AddOpenIddict().AddValidation(options =>
        {
            options.SetIssuer(service);
            options.UseIntrospection().SetClientId(clientId).SetClientSecret(clientSecret);
            options.UseSystemNetHttp();
            options.UseAspNetCore();
        });

        // 2. Usergrid-style requests: forwarded as they came to TokenService's access check.
        //    A few seconds at most: a request waiting longer on its access check is better answered 503.
        builder.Services.AddHttpClient(AccessCheckHandler.ClientName, http =>
        {
            http.BaseAddress = service;
            http.Timeout = TimeSpan.FromSeconds(5);
        });
        // No default scheme: each endpoint names its own, so a request is checked once, the way its endpoint expects.
        builder.Services.AddAuthentication()
            .AddScheme<AccessCheckOptions, AccessCheckHandler>(AccessCheckHandler.SchemeName, options =>
            {
                options.ClientId = clientId;
                options.ClientSecret = clientSecret;
            });
        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapGet("/api/me", (ClaimsPrincipal user) => Results.Ok(Claims(user)))
            .RequireAuthorization(policy => policy.AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme).RequireAuthenticatedUser());
        app.MapGet("/{org}/{app}/items", (string org, string app, ClaimsPrincipal user) =>
                Results.Ok(new { org, app, items = Items, caller = Claims(user) }))
            .RequireAuthorization(policy => policy.AddAuthenticationSchemes(AccessCheckHandler.SchemeName).RequireAuthenticatedUser());
        return app;
    }

    private static Dictionary<string, string> Claims(ClaimsPrincipal user) =>
        user.Claims.GroupBy(c => c.Type).ToDictionary(g => g.Key, g => g.First().Value);
}
