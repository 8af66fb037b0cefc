using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Authentication;
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

        // Secure cookies wherever plain HTTP is refused (the production setting; behind a TLS-terminating proxy, list it
        // in Transport:TrustedProxies). Secure cookies take the __Host- prefix, which a sibling subdomain cannot set or
        // shadow, and so live at Path=/ (the prefix requires it). Where plain HTTP is allowed (Development, tests) they
        // follow the request, unprefixed, under /portal: antiforgery refuses to issue a Secure-only cookie over HTTP.
        builder.Services.AddOptions<CookieSecurity>().Configure<IHostEnvironment, IOptions<TransportOptions>>((cookies, environment, transport) =>
            cookies.Secure = !environment.IsDevelopment() && !transport.Value.AllowHttp);

        builder.Services.AddAuthentication().AddCookie(PortalSession.Scheme, options =>
        {
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.SlidingExpiration = false;
            options.LoginPath = PortalSignIn.Path;
        });
        builder.Services.AddOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(PortalSession.Scheme)
            .Configure<IOptions<CookieSecurity>>((options, security) => security.Value.Apply(options.Cookie, "tokenservice_portal"));
        builder.Services.AddAntiforgery(options =>
        {
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.FormFieldName = "__af";
        });
        builder.Services.AddOptions<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions>()
            .Configure<IOptions<CookieSecurity>>((options, security) => security.Value.Apply(options.Cookie, "tokenservice_portal_af"));
        builder.Services.AddOptions<CookieTempDataProviderOptions>()
            .Configure<IOptions<CookieSecurity>>((options, security) =>
            {
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                security.Value.Apply(options.Cookie, OnceCookie);
            });
        builder.Services.AddSingleton<PortalSession>();
        return builder;
    }

    /// <summary>
    /// For every portal request: headers (never cached, framed or sniffed, nothing loaded from elsewhere), the session's
    /// user as <see cref="HttpContext.User"/> (so antiforgery tokens belong to one session and no other), and a refusal
    /// of any POST a browser says came from another origin.
    /// </summary>
    public static IApplicationBuilder UsePortalHeaders(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (!http.Request.Path.StartsWithSegments("/portal", StringComparison.OrdinalIgnoreCase))
        {
            await next(http);
            return;
        }

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

        if (HttpMethods.IsPost(http.Request.Method) && !FromThisOrigin(http.Request))
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync("Portal forms are accepted only from the portal's own pages.");
            return;
        }

        if (await http.AuthenticateAsync(PortalSession.Scheme) is { Succeeded: true, Principal: { } user })
        {
            http.User = user;
        }

        await next(http);
    });

    /// <summary>
    /// Browsers say where a request came from (<c>Sec-Fetch-Site</c>, <c>Origin</c>); a POST that another site, or a
    /// sibling subdomain, makes the browser send is refused before its antiforgery token is even read. Clients that
    /// send neither header are not browsers acting for someone else.
    /// </summary>
    private static bool FromThisOrigin(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"] is { Count: > 0 } site)
        {
            return site == "same-origin";
        }

        return request.Headers.Origin is not { Count: > 0 } origin ||
               string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
    }

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

    /// <summary>The one-read cookie that carries a just-shown secret to the page after the redirect.</summary>
    public const string OnceCookie = "tokenservice_portal_once";

    /// <summary>The cookies' security, decided once from the environment.</summary>
    private sealed class CookieSecurity
    {
        public bool Secure { get; set; } = true;

        public void Apply(CookieBuilder cookie, string name)
        {
            cookie.Name = Secure ? "__Host-" + name : name;
            cookie.Path = Secure ? "/" : "/portal";
            cookie.SecurePolicy = Secure ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        }
    }
}
