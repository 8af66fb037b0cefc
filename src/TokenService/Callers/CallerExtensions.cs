using TokenService.Principals;

namespace TokenService.Callers;

/// <summary>Registers credential resolution and the powers it feeds.</summary>
public static class CallerExtensions
{
    public static IHostApplicationBuilder AddTokenServiceCallers(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddScoped<ClientDirectory>();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<Options.SuperuserOptions>, SuperuserNameValidator>();
        // What a client id stands for, within the settings' bound (a deleted client is forgotten at once here).
        builder.Services.AddSingleton(services => new Tokens.FreshCache<Caller>(
            services.GetRequiredService<Tokens.SettingsGeneration>(), services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Options.CacheOptions>>().Value.Entries,
            services.GetRequiredService<Telemetry.ServiceMetrics>(), "client_directory"));
        builder.Services.AddScoped<CredentialResolver>();
        builder.Services.AddSingleton<ICallerResolution, CallerResolution>();
        builder.Services.AddScoped<BuiltInClients>();
        builder.Services.AddScoped<Database.IStartupRows>(services => services.GetRequiredService<BuiltInClients>());
        return builder;
    }

    /// <summary>
    /// Resolves the caller of every endpoint in a group before the handler runs; a credential that fails
    /// ends the request with its 400/401 and Usergrid error body.
    /// </summary>
    public static TBuilder RequireCaller<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(
            CallerRequired.Instance,
            new ProducesResponseTypeMetadata(StatusCodes.Status429TooManyRequests, typeof(Api.ApiError), ["application/json"])
            {
                Description = "temporarily_unavailable: the credential's (or, for guests, the address's) request budget is spent; with Retry-After.",
            });
        return builder.AddEndpointFilter(async (context, next) =>
        {
            var result = await ResolveOnceAsync(context.HttpContext);
            return result.Failure is { } failure ? failure.ToResult() : await next(context);
        });
    }

    /// <summary>Resolves the request's credentials at most once, however many times it is asked.</summary>
    internal static ValueTask<CredentialResult> ResolveOnceAsync(HttpContext http) =>
        ResolveOnceAsync(http, static (resolver, request, cancellation) => resolver.ResolveAsync(request, cancellation));

    /// <summary>
    /// Resolves the caller of a request once with <paramref name="resolve"/> — credentials the request carries, or
    /// ones the server holds for it (the portal's session) — charging the same budget and publishing the same caller.
    /// </summary>
    public static async ValueTask<CredentialResult> ResolveOnceAsync(
        HttpContext http, Func<CredentialResolver, HttpRequest, CancellationToken, Task<CredentialResult>> resolve)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(resolve);
        if (http.Features.Get<CredentialResult>() is { } resolved)
        {
            return resolved;
        }

        var result = await resolve(http.RequestServices.GetRequiredService<CredentialResolver>(), http.Request, http.RequestAborted);

        // An authenticated caller is counted against its credential's budget (and no longer against its address).
        if (result.Caller is { Type: not PrincipalType.Guest } caller)
        {
            var budgets = http.RequestServices.GetRequiredService<Security.RequestBudgets>();
            if (!budgets.TryTakeForCredential(http, caller.Subject))
            {
                var limit = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Options.RateLimitOptions>>().CurrentValue;
                result = CredentialResult.Fail(AuthFailure.OverBudget(limit.CredentialPerSecond));
            }
        }

        http.Features.Set(result);
        if (result.Caller is { } known)
        {
            // Published on its own, for rooms below this one (the audit log's actor) that know callers, not credentials.
            http.Features.Set(known);
        }

        return result;
    }
}

/// <summary>The request's caller, as <see cref="Caller"/> binding asks for it.</summary>
internal sealed class CallerResolution : ICallerResolution
{
    public async ValueTask<Caller> CallerOfAsync(HttpContext context) =>
        (await CallerExtensions.ResolveOnceAsync(context)).Caller ?? Caller.Guest;
}

/// <summary>
/// Endpoint metadata: the endpoint resolves its caller from any of the credential forms (bearer token, <c>access_token</c>,
/// client id and secret, HTTP Basic), so the OpenAPI document lists them as its security requirements.
/// </summary>
public sealed class CallerRequired
{
    public static readonly CallerRequired Instance = new();

    private CallerRequired()
    {
    }
}

/// <summary>
/// The superuser's name must not look like any other client id: no principal kind's client-id prefix (from the kinds
/// table, so a new kind is covered without touching this), not the public clients' prefix, not a built-in client.
/// </summary>
internal sealed class SuperuserNameValidator : Microsoft.Extensions.Options.IValidateOptions<Options.SuperuserOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, Options.SuperuserOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string[] prefixes = [.. PrincipalKinds.All.Select(k => k.ClientIdPrefix).OfType<string>(), ClientDirectory.PublicPrefix];
        string[] builtIn = [ClientDirectory.ManagementClientId];
        var username = options.Username ?? "";
        return prefixes.Any(p => username.StartsWith(p, StringComparison.Ordinal)) || builtIn.Contains(username, StringComparer.Ordinal)
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Fail(
                $"Superuser:Username must not start with {string.Join(", ", prefixes)} and must not be {string.Join(", ", builtIn)} (client ids).")
            : Microsoft.Extensions.Options.ValidateOptionsResult.Success;
    }
}
