using System.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;
using OpenTelemetry.Trace;

namespace TokenService.Hosting;

/// <summary>
/// OpenTelemetry traces of requests and database calls, exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set
/// (with the exporter's other standard variables) and not collected at all otherwise. Spans never carry a credential:
/// query values are replaced (Usergrid clients put <c>access_token</c>, <c>client_secret</c> and passwords there),
/// headers are not recorded, and database spans carry SQL with its parameters, never their values.
/// </summary>
public static class TracingExtensions
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>What stands in for every query value in a span.</summary>
    public const string Redacted = "REDACTED";

    public static IHostApplicationBuilder AddTokenServiceTracing(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Every log line of a traced request carries its trace and span ids (in the log's scope).
        builder.Logging.Configure(options => options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (string.IsNullOrWhiteSpace(builder.Configuration[EndpointVariable]))
        {
            return builder;
        }

        // Traced: every console line shows its scope, and with it the trace and span ids.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.SimpleConsoleFormatterOptions>(options => options.IncludeScopes = true);
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing
            .AddAspNetCoreInstrumentation(options =>
            {
                options.RecordException = false; // an exception's message may quote a request's values
                options.EnrichWithHttpRequest = (activity, request) =>
                {
                    if (request.QueryString.HasValue)
                    {
                        activity.SetTag("url.query", RedactQuery(request.QueryString.Value!));
                    }
                };
            })
            .AddEntityFrameworkCoreInstrumentation()
            .AddOtlpExporter());
        return builder;
    }

    /// <summary>
    /// Builds the tracer and meter providers now, before the database is prepared, instead of when the host starts its
    /// hosted services. Two reasons: the preparation's own
    /// database calls are then traced, and EF Core, which caches "nobody listens" for a second in each pooled context
    /// (its logging cache time), hands the first requests contexts that trace their commands.
    /// </summary>
    public static WebApplication StartTelemetry(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        _ = app.Services.GetService<TracerProvider>();
        _ = app.Services.GetService<OpenTelemetry.Metrics.MeterProvider>();
        return app;
    }

    /// <summary><c>?access_token=abc&amp;limit=5</c> → <c>access_token=REDACTED&amp;limit=REDACTED</c>: the names stay, every value goes.</summary>
    public static string RedactQuery(string query) =>
        string.Join('&', QueryHelpers.ParseQuery(query).SelectMany(p => p.Value.Select(_ => $"{Uri.EscapeDataString(p.Key)}={Redacted}")));

    /// <summary>The current trace id, for log lines that are written outside a scope (or "-").</summary>
    public static string CurrentTraceId => Activity.Current?.TraceId.ToHexString() ?? "-";
}
