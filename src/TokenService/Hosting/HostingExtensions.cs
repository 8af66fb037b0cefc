using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using TokenService.Api;
using TokenService.Database;

namespace TokenService.Hosting;

/// <summary>Cross-cutting host concerns: error bodies, health, OpenAPI.</summary>
public static partial class HostingExtensions
{
    public static IHostApplicationBuilder AddTokenServiceHosting(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: ["ready"]);

        // Malformed bodies and parameters throw, so the exception handler answers them with the
        // service's JSON error body instead of an empty 400.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

        // A member sent twice is refused, not resolved by "last one wins": the copy the service would act on might
        // not be the one a proxy, a WAF or the sender's own validation looked at.
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.AllowDuplicateProperties = false;

            // A number is a JSON number: "accesstokenttl": "3600000" is refused, not quietly read (ASP.NET Core's web
            // defaults would read numbers from strings), so a client's mistake in its own types shows at once.
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        builder.Services.AddExceptionHandler<BadRequestHandler>();
        builder.Services.AddProblemDetails();
        builder.AddTokenServiceOpenApi();

        // Some categories write secrets at their verbose levels: whatever the configuration says, they never log below
        // the level where that starts (one table, LogClamps), so turning up logging to troubleshoot cannot put a
        // password, secret or token into a log (a test captures a full run at Trace and searches it).
        builder.Services.PostConfigure<LoggerFilterOptions>(ClampSecretBearingLogging);
        return builder;
    }

    /// <summary>
    /// Categories that write secrets below a level, and that level. OpenIddict writes reference identifiers — the bearer
    /// tokens themselves — into its Trace events. ASP.NET Core's hosting diagnostics write every request line with its
    /// query string at Information, and Usergrid clients put passwords, tokens and client secrets there
    /// (<c>?password=</c>, <c>?access_token=</c>, <c>?client_secret=</c>): the service writes its own request line, without
    /// the query (<see cref="RequestLog"/>).
    /// </summary>
    internal static readonly (string Category, LogLevel Minimum)[] LogClamps =
    [
        ("OpenIddict", LogLevel.Debug),
        ("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning),
    ];

    /// <summary>
    /// Raises every rule that reaches a clamped category to at least its minimum, never lowering any: rules naming the
    /// category (or one below it) are clamped, and where only a broader rule reaches it, a rule for the category with
    /// that broader rule's level (or the minimum, if higher) is added for that provider.
    /// </summary>
    private static void ClampSecretBearingLogging(LoggerFilterOptions options)
    {
        foreach (var (category, minimum) in LogClamps)
        {
            LogLevel Clamp(LogLevel? level) => level is { } l && l > minimum ? l : minimum;
            bool Names(LoggerFilterRule rule) => rule.CategoryName?.StartsWith(category, StringComparison.Ordinal) == true;

            var providers = options.Rules.Select(r => r.ProviderName).Append(null).Distinct().ToList();
            for (var i = options.Rules.Count - 1; i >= 0; i--)
            {
                var rule = options.Rules[i];
                if (Names(rule))
                {
                    options.Rules[i] = new LoggerFilterRule(rule.ProviderName, rule.CategoryName, Clamp(rule.LogLevel), rule.Filter);
                }
            }

            foreach (var provider in providers)
            {
                if (options.Rules.Any(r => r.ProviderName == provider && Names(r)))
                {
                    continue;
                }

                // The rule that would otherwise apply: the longest category prefix of this provider, then of any provider.
                LoggerFilterRule? Broader(string? name) => options.Rules
                    .Where(r => r.ProviderName == name && (r.CategoryName is null || category.StartsWith(r.CategoryName, StringComparison.Ordinal)))
                    .OrderBy(r => r.CategoryName?.Length ?? -1).LastOrDefault();
                var fallback = (Broader(provider) ?? Broader(null))?.LogLevel ?? options.MinLevel;
                options.Rules.Add(new LoggerFilterRule(provider, category, Clamp(fallback), null));
            }
        }
    }

    public static WebApplication UseTokenServiceHosting(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages(WriteErrorBodyAsync);

        // Health answers before OpenIddict and routing see the request: while migrations are pending OpenIddict
        // cannot even load its keys, and readiness must still say why instead of failing with a 500.
        app.UseHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.UseHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteHealthAsync });
        app.UseTokenServiceOpenApi();

        // Nothing but health (and the documentation) passes until the database is ready: see DatabaseReadiness.
        var readiness = app.Services.GetRequiredService<DatabaseReadiness>();
        app.Use((context, next) => readiness.IsReady ? next(context) : WriteUnavailableAsync(context.Response));
        return app;
    }

    /// <summary>
    /// <c>GET /bench/noop</c>, only with <c>Bench:Enabled=true</c>: an endpoint that does no work, through the same
    /// middleware as every other request, so bench/run.sh can measure the ceiling of this host on this machine.
    /// </summary>
    public static IEndpointRouteBuilder MapBenchEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Options.BenchOptions>>().Value.Enabled)
        {
            endpoints.MapGet("/bench/noop", static () => TypedResults.Ok(new { ok = true })).ExcludeFromDescription();
        }

        return endpoints;
    }

    private static Task WriteHealthAsync(HttpContext context, Microsoft.Extensions.Diagnostics.HealthChecks.HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }

    /// <summary>
    /// Gives the service's JSON error body to the few refusals ASP.NET Core answers with an empty body
    /// (unknown route, wrong method, wrong content type), so every 4xx a client sees is self-explaining.
    /// </summary>
    private static Task WriteErrorBodyAsync(StatusCodeContext context)
    {
        var response = context.HttpContext.Response;
        var error = response.StatusCode switch
        {
            404 => new ApiError("service_resource_not_found", "No resource at this path."),
            405 => new ApiError("method_not_allowed", "This path does not accept this HTTP method."),
            413 => new ApiError("invalid_request", "The request body is too large."),
            415 => new ApiError("invalid_request", "Unsupported content type: send application/json."),
            >= 400 and < 500 => new ApiError("invalid_request", "The request was refused."),
            _ => new ApiError("server_error", "The service failed to process the request."),
        };
        return response.WriteAsJsonAsync(error, context.HttpContext.RequestAborted);
    }

    /// <summary>
    /// 503 with the JSON error body and <c>Retry-After</c>: the database is not there now, try again shortly. The
    /// reason (driver messages name hosts, databases and logins) is for operators: logs and <c>/health/ready</c>.
    /// </summary>
    private static Task WriteUnavailableAsync(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = "1";
        return response.WriteAsJsonAsync(new ApiError("temporarily_unavailable",
            "The service cannot reach its database right now; retry shortly."));
    }

    /// <summary>Turns request-shaped failures into a 400 with the service's error body; anything else is a plain 500 without details.</summary>
    private sealed class BadRequestHandler : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            // InvalidDataException: a form over ASP.NET Core's limits (value count, key or value length). A text
            // PostgreSQL cannot store (a NUL character) is the request's fault too, wherever it slipped through.
            if (exception is BadHttpRequestException or JsonException or InvalidDataException ||
                exception.InnerException is Npgsql.PostgresException { SqlState: "22021" or "22P05" } || exception is Npgsql.PostgresException { SqlState: "22021" or "22P05" })
            {
                var status = exception is BadHttpRequestException { StatusCode: >= 400 and < 500 } bad ? bad.StatusCode : 400;
                httpContext.Response.StatusCode = status;
                await httpContext.Response.WriteAsJsonAsync(
                    new ApiError("invalid_request", "The request is malformed: check its JSON body, content type and parameters."),
                    cancellationToken);
                return true;
            }

            // The database is down or restarting: nothing this request did was acknowledged (a write whose commit
            // was lost in flight may still have landed, which is why token and revocation writes are idempotent to retry
            // for the client: a new token, or a revocation that holds already).
            var logger = httpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("TokenService.Errors");
            if (Data.DatabaseFailures.IsUnavailable(exception))
            {
                Log.Unavailable(logger, httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name);
                await WriteUnavailableAsync(httpContext.Response);
                return true;
            }

            Log.Failed(logger, httpContext.Request.Method, httpContext.Request.Path, exception);
            httpContext.Response.StatusCode = 500;
            await httpContext.Response.WriteAsJsonAsync(
                new ApiError("server_error", "The service failed to process the request."), cancellationToken);
            return true;
        }
    }

    private static partial class Log
    {
        // The path only, never the query string: it may carry access_token or client_secret.
        [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: the database is unavailable ({Error}).")]
        public static partial void Unavailable(ILogger logger, string method, PathString path, string error);

        [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed with an unexpected error (answered 500).")]
        public static partial void Failed(ILogger logger, string method, PathString path, Exception exception);
    }
}
