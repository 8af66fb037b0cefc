using System.Diagnostics;

namespace TokenService.Hosting;

/// <summary>
/// One line per request — method, path, status, time — in place of ASP.NET Core's own request lines, which carry the
/// query string (and with it Usergrid clients' passwords, tokens and client secrets). Never the query, never a header.
/// Off by default (category <c>TokenService.Requests</c> at Warning in appsettings.json): logging every request costs
/// throughput; set it to Information to see them.
/// </summary>
public static partial class RequestLog
{
    public const string Category = "TokenService.Requests";

    /// <summary>First in the pipeline, so that every answer — refusals at the front door included — is logged.</summary>
    public static WebApplication UseTokenServiceRequestLog(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        app.Use(async (context, next) =>
        {
            if (!logger.IsEnabled(LogLevel.Information))
            {
                await next(context);
                return;
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var path = context.Request.PathBase.Add(context.Request.Path);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Answered(logger, context.Request.Method, path, context.Response.StatusCode, elapsed, TracingExtensions.CurrentTraceId);
            }
        });
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} answered {Status} in {ElapsedMs:0.0} ms (trace {TraceId})")]
    private static partial void Answered(ILogger logger, string method, PathString path, int status, double elapsedMs, string traceId);
}
