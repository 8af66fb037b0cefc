using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using TokenService.Options;

namespace TokenService.Portal;

/// <summary>
/// The admin portal at <c>/portal</c> (CONTRACT §12): Razor Pages rendered on the server, over the management API's
/// own handlers (every action passes the same powers, validation, limits and audit), with a strict
/// Content-Security-Policy and no script but the copy buttons'.
/// </summary>
public static class PortalExtensions
{
    /// <summary>
    /// Pages may load only this origin's stylesheet and script, post forms only here, and never be framed: an
    /// injected tag could neither run inline script nor send anything elsewhere.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'";

    public static IHostApplicationBuilder AddTokenServicePortal(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddRazorPages(options =>
        {
            options.RootDirectory = "/Portal/Pages";
        });

        // Secure cookies wherever plain HTTP is refused; where it is allowed (Development, tests, a TLS-terminating
        // proxy that is not declared) they follow the request.
        builder.Services.AddOptions<CookieSecurity>().Configure<IOptions<TransportOptions>, IHostEnvironment>((cookies, transport, environment) =>
            cookies.Policy = environment.IsDevelopment() || transport.Value.AllowHttp ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always);

        builder.Services.AddAuthentication().AddCookie(PortalSession.Scheme, options =>
        {
            options.Cookie.Name = PortalSession.CookieName;
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.Path = "/portal";
            options.SlidingExpiration = false;
            options.LoginPath = PortalSignIn.Path;
        });
        builder.Services.AddOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(PortalSession.Scheme)
            .Configure<IOptions<CookieSecurity>>((options, security) => options.Cookie.SecurePolicy = security.Value.Policy);
        builder.Services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "tokenservice_portal_af";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.Path = "/portal";
            options.FormFieldName = "__af";
        });
        builder.Services.AddOptions<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions>()
            .Configure<IOptions<CookieSecurity>>((options, security) => options.Cookie.SecurePolicy = security.Value.Policy);
        builder.Services.Configure<CookieTempDataProviderOptions>(options =>
        {
            options.Cookie.Name = "tokenservice_portal_once";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.Path = "/portal";
        });
        builder.Services.AddOptions<CookieTempDataProviderOptions>()
            .Configure<IOptions<CookieSecurity>>((options, security) => options.Cookie.SecurePolicy = security.Value.Policy);
        builder.Services.AddSingleton<PortalSession>();
        return builder;
    }

    /// <summary>Portal pages are never cached, framed or sniffed, and load nothing from elsewhere.</summary>
    public static IApplicationBuilder UsePortalHeaders(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        if (http.Request.Path.StartsWithSegments("/portal", StringComparison.OrdinalIgnoreCase))
        {
            var headers = http.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            if (!http.Request.Path.StartsWithSegments("/portal/assets", StringComparison.OrdinalIgnoreCase))
            {
                headers.CacheControl = "no-cache, no-store";
                headers.Pragma = "no-cache";
            }
        }

        return next(http);
    });

    public static IEndpointRouteBuilder MapPortal(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapRazorPages();
        endpoints.MapGet("/portal/assets/{name}", Asset).ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>The stylesheet and the copy buttons' script, embedded in the assembly: nothing to build or deploy beside it.</summary>
    private static IResult Asset(string name)
    {
        var contentType = Path.GetExtension(name) switch
        {
            ".css" => "text/css; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            _ => null,
        };
        var stream = contentType is null ? null
            : typeof(PortalExtensions).Assembly.GetManifestResourceStream($"TokenService.Portal.Assets.{name}");
        return stream is null ? TypedResults.NotFound() : TypedResults.Stream(stream, contentType);
    }

    /// <summary>The cookies' Secure policy, decided once from the environment and the transport settings.</summary>
    private sealed class CookieSecurity
    {
        public CookieSecurePolicy Policy { get; set; } = CookieSecurePolicy.Always;
    }
}
