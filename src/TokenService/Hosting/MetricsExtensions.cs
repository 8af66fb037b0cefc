using System.Net;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using TokenService.Options;
using TokenService.Telemetry;

namespace TokenService.Hosting;

/// <summary>
/// OpenTelemetry metrics — the service's own (<see cref="ServiceMetrics"/>), ASP.NET Core's and the runtime's — served
/// in Prometheus text format at <c>GET /metrics</c> on the main port, to loopback, the trusted proxies and
/// <c>Metrics:AllowedAddresses</c> only.
/// </summary>
public static class MetricsExtensions
{
    public const string Path = "/metrics";

    public static IHostApplicationBuilder AddTokenServiceTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddTokenServiceMetrics();

        // Read here, where the exporter is wired or not (the same section is validated at start): with metrics off
        // there is no listener, and the instruments cost nothing.
        if (builder.Configuration.GetSection(MetricsOptions.Section).GetValue(nameof(MetricsOptions.Enabled), true))
        {
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(ServiceMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                // Every scrape is fresh: only allowed addresses reach it, so a cached answer protects nothing.
                .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        }

        return builder;
    }

    /// <summary>
    /// Answers <c>/metrics</c> to allowed addresses; anyone else gets the 404 of a path that does not exist. After the
    /// security checks, whose forwarded headers make the address checked the client's, not its proxy's.
    /// </summary>
    public static WebApplication UseTokenServiceMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var settings = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!settings.Enabled)
        {
            return app;
        }

        var allowed = settings.AllowedAddresses
            .Concat(app.Services.GetRequiredService<IOptions<TransportOptions>>().Value.TrustedProxies)
            .Select(IPAddress.Parse).Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).ToHashSet();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Request.Path == Path && HttpMethods.IsGet(context.Request.Method) && IsAllowed(context.Connection.RemoteIpAddress, allowed));
        return app;
    }

    /// <summary>
    /// The requests answered outside routing — OpenIddict's endpoints (and the lean path in front of them), the Usergrid
    /// token paths, the portal's sign-in form, the scrape — carry no <c>http.route</c>, so a latency by route would lump
    /// the hottest ones together. They are tagged with their template, matched before any rewrite and whatever answers
    /// them (refusals too, so this comes before the security checks): never the path itself, which names an organization.
    /// </summary>
    public static WebApplication UseRouteTagsOutsideRouting(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Enabled)
        {
            return app;
        }

        var routes = OAuth.ProtocolPaths.All.Append(Path).ToDictionary(route => route, route => route, StringComparer.OrdinalIgnoreCase);
        app.Use((context, next) =>
        {
            var request = context.Request;
            var route = routes.GetValueOrDefault(request.Path.Value ?? "") ??
                        (Compat.UsergridTokenPaths.TryMatch(request.Path, out var org, out _) ? org is null ? "/management/token" : "/{org}/{app}/token"
                         : HttpMethods.IsPost(request.Method) && request.Path.Equals(Portal.PortalSignIn.Path, StringComparison.OrdinalIgnoreCase) ? Portal.PortalSignIn.Path
                         : null);
            return route is null ? next(context) : TagAsync(context, next, route);
        });
        return app;
    }

    private static async Task TagAsync(HttpContext context, RequestDelegate next, string route)
    {
        try
        {
            await next(context);
        }
        finally
        {
            // The request's metric is recorded when it ends, after this: a failed request keeps its route too. Not when
            // an endpoint was matched (then ASP.NET Core tags its own route — kept by the exception handler if it threw).
            if (context.GetEndpoint() is null && context.Features.Get<IExceptionHandlerFeature>()?.Endpoint is null &&
                context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMetricsTagsFeature>() is { } metrics)
            {
                metrics.Tags.Add(new("http.route", route));
            }
        }
    }

    private static bool IsAllowed(IPAddress? address, HashSet<IPAddress> allowed) =>
        address is not null && (IPAddress.IsLoopback(address) || allowed.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address));
}
