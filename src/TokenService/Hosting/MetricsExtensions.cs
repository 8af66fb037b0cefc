using System.Net;
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

    /// <summary>Answers <c>/metrics</c> to allowed addresses; anyone else gets the 404 of a path that does not exist.</summary>
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
        app.Use(TagUnroutedRequests());
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Request.Path == Path && HttpMethods.IsGet(context.Request.Method) && IsAllowed(context.Connection.RemoteIpAddress, allowed));
        return app;
    }

    /// <summary>
    /// The requests answered outside routing — OpenIddict's endpoints (and the lean path in front of them), the Usergrid
    /// token paths, the portal's sign-in form, the scrape — carry no <c>http.route</c>, so a latency by route would lump
    /// the hottest ones together. They are tagged with their template, matched before any rewrite and whatever answers
    /// them (a refusal too): never the path itself, which names an organization.
    /// </summary>
    private static Func<HttpContext, RequestDelegate, Task> TagUnroutedRequests()
    {
        var routes = OAuth.ProtocolPaths.All.Append(Path).Append(Portal.PortalSignIn.Path)
            .ToDictionary(route => route, route => route, StringComparer.OrdinalIgnoreCase);
        return (context, next) =>
        {
            var path = context.Request.Path;
            var route = routes.GetValueOrDefault(path.Value ?? "") ??
                        (Compat.UsergridTokenPaths.TryMatch(path, out var org, out _) ? org is null ? "/management/token" : "/{org}/{app}/token" : null);
            return route is null ? next(context) : TagAsync(context, next, route);
        };
    }

    private static async Task TagAsync(HttpContext context, RequestDelegate next, string route)
    {
        try
        {
            await next(context);
        }
        finally
        {
            // The request's metric is recorded when it ends, after this: a failed request keeps its route too.
            if (context.GetEndpoint() is null && context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMetricsTagsFeature>() is { } metrics)
            {
                metrics.Tags.Add(new("http.route", route));
            }
        }
    }

    private static bool IsAllowed(IPAddress? address, HashSet<IPAddress> allowed) =>
        address is not null && (IPAddress.IsLoopback(address) || allowed.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address));
}
