using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using TokenService.Api;
using TokenService.Options;

namespace TokenService.Security;

/// <summary>
/// The host's front door: forwarded headers from trusted proxies only, HTTPS (and HSTS) outside Development, request
/// size and time limits, and request budgets (RequestBudgets). Brute-force protection lives with the credential checks
/// (<see cref="FailedAttempts"/>).
/// </summary>
public static class SecurityExtensions
{
    public static IHostApplicationBuilder AddTokenServiceSecurity(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        // Every limit comes from the validated options, so a bad setting stops the start before any of these is built.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<LimitsOptions>>((o, limits) =>
            o.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes);
        services.AddOptions<FormOptions>().Configure<IOptions<LimitsOptions>>((o, limits) =>
        {
            // OAuth requests are a handful of short fields; anything else is refused before it is buffered.
            o.ValueCountLimit = 64;
            o.KeyLengthLimit = 256;
            o.ValueLengthLimit = (int)Math.Min(limits.Value.MaxRequestBodyBytes, int.MaxValue);
            o.MultipartBodyLengthLimit = limits.Value.MaxRequestBodyBytes;
        });
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<LimitsOptions>>((o, limits) =>
            o.DefaultPolicy = new RequestTimeoutPolicy
            {
                Timeout = limits.Value.RequestTimeout,
                TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
            });

        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TransportOptions>>((o, transport) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.ForwardLimit = 1;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in transport.Value.TrustedProxies)
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }
        });
        services.AddOptions<HstsOptions>().Configure<IOptions<TransportOptions>>((o, transport) =>
            o.MaxAge = TimeSpan.FromDays(transport.Value.HstsMaxAgeDays));

        services.AddSingleton<LiveInstances>();
        services.AddHostedService(s => s.GetRequiredService<LiveInstances>());
        services.AddSingleton<RequestBudgets>();
        services.AddSingleton<FailedAttempts>();
        return builder;
    }

    /// <summary>First in the pipeline: client address and scheme, transport rules, then limits.</summary>
    public static WebApplication UseTokenServiceSecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var transport = app.Services.GetRequiredService<IOptions<TransportOptions>>().Value;
        var metrics = app.Services.GetRequiredService<Telemetry.ServiceMetrics>();
        app.Use((context, next) => Refusals.CountAsync(context, next, metrics));
        if (transport.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
            if (!transport.AllowHttp)
            {
                app.Use(RefusePlainHttp);
            }
        }

        var budgets = app.Services.GetRequiredService<RequestBudgets>();
        app.Use((context, next) => RequestBudgets.LimitAsync(context, next, budgets));
        app.UseRequestTimeouts();
        var limit = app.Services.GetRequiredService<IOptions<LimitsOptions>>().Value.MaxRequestBodyBytes;
        app.Use((context, next) => RefuseOversizedBodies(context, next, limit));
        app.Use(RefuseMalformedContentTypes);
        app.Use(ExplainJsonOnTheTokenEndpoint);
        return app;
    }

    /// <summary>
    /// A Content-Type that is not one media type (<c>application/x-www-form-urlencoded==</c>, two types in one header,
    /// an unclosed quote, a type that only starts like a form) is refused here with 400: every reader behind — the form reader, OpenIddict, JSON binding —
    /// would otherwise throw on it, and the client would get a 500 for its own malformed request.
    /// </summary>
    private static Task RefuseMalformedContentTypes(HttpContext context, RequestDelegate next)
    {
        if (IsAcceptableContentType(context.Request.Headers.ContentType))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return context.Response.WriteAsJsonAsync(new ApiError("invalid_request",
            "The Content-Type header is malformed: send one media type, e.g. application/x-www-form-urlencoded or application/json."));
    }

    /// <summary>
    /// Credentials and tokens must not cross a network in the clear, so outside Development plain HTTP is refused
    /// (not redirected: a redirect would already have carried the secret). Health probes stay reachable.
    /// </summary>
    private static Task RefusePlainHttp(HttpContext context, RequestDelegate next)
    {
        // Health probes and the metrics scrape (allow-listed, and free of secrets by design) stay reachable over HTTP.
        if (context.Request.IsHttps || context.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase) ||
            context.Request.Path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        Refusals.Mark(context, Telemetry.MetricWords.Transport);
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return context.Response.WriteAsJsonAsync(new ApiError("https_required", "This service is only served over HTTPS."));
    }

    /// <summary>
    /// <c>POST /token</c> takes a form (RFC 6749 §4); a JSON body there is a newcomer's mistake, answered with where JSON is
    /// welcome instead of OpenIddict's "grant_type is missing".
    /// </summary>
    private static Task ExplainJsonOnTheTokenEndpoint(HttpContext context, RequestDelegate next)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.Path.Equals("/token", StringComparison.OrdinalIgnoreCase) ||
            !context.Request.HasJsonContentType())
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return context.Response.WriteAsJsonAsync(new ApiError("invalid_request",
            "POST /token takes an application/x-www-form-urlencoded body (RFC 6749), e.g. grant_type=client_credentials. " +
            "JSON bodies are accepted on the Usergrid token paths, /{org}/{app}/token and /management/token."));
    }

    /// <summary>Absent, or exactly one media type that is not a near-form: what every reader behind can take.</summary>
    internal static bool IsAcceptableContentType(Microsoft.Extensions.Primitives.StringValues values)
    {
        const string Form = "application/x-www-form-urlencoded";
        return values.Count == 0 || values.Count == 1 && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(values[0], out var parsed) &&
            parsed.MediaType.Length > 0 &&

            // OpenIddict takes any type that merely starts like a form for one, and the form reader then throws on it.
            (!parsed.MediaType.StartsWith(Form, StringComparison.OrdinalIgnoreCase) || parsed.MediaType.Length == Form.Length);
    }

    /// <summary>
    /// A declared length over the limit is answered 413 at once, before any of it is read; bodies without a length
    /// are cut off at the same size by the server's own limit.
    /// </summary>
    private static Task RefuseOversizedBodies(HttpContext context, RequestDelegate next, long limit)
    {
        if (context.Request.ContentLength > limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return context.Response.WriteAsJsonAsync(new ApiError("invalid_request", "The request body is too large."));
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        return next(context);
    }
}
