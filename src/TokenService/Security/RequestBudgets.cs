using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using TokenService.Options;

namespace TokenService.Security;

/// <summary>
/// Request budgets in fixed one-second windows (of the injected clock): per credential for authenticated callers, per
/// address for everything else. Each instance allows its share of a budget — the limit divided by the number of live instances
/// (<see cref="LiveInstances"/>) — so the deployment as a whole never allows more than the limit, without a shared
/// counter on the request path (no database or network round trip per request). The price: a caller whose
/// requests all land on one instance gets that instance's share.
/// </summary>
public sealed class RequestBudgets(IOptionsMonitor<RateLimitOptions> options, LiveInstances instances, TimeProvider clock)
{
    /// <summary>Set on a request once a caller authenticated: it is then counted against its credential, not its address.</summary>
    private static readonly object AuthenticatedKey = new();

    private Window _current = new(long.MinValue);

    public bool Enabled => options.CurrentValue.Enabled;

    /// <summary>Counts one request of an authenticated credential and marks the request as authenticated; false past its budget.</summary>
    public bool TryTakeForCredential(HttpContext context, string credential)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Items[AuthenticatedKey] = true;
        var settings = options.CurrentValue;
        return !settings.Enabled || Take(credential, settings.CredentialPerSecond) || Refusals.Mark(context, Telemetry.MetricWords.RateLimit);
    }

    /// <summary>
    /// Like <see cref="TryTakeForCredential"/>, but a refusal leaves nothing behind — no charge, the request not marked —
    /// so that the lean path can hand the request to OpenIddict, which charges it once and answers the refusal.
    /// </summary>
    public bool TryTakeForCredentialOrLeave(HttpContext context, string credential)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = options.CurrentValue;
        if (settings.Enabled)
        {
            var count = CurrentWindow().Counts.GetOrAdd(credential, static _ => new StrongBox<int>());
            if (Interlocked.Increment(ref count.Value) > Share(settings.CredentialPerSecond))
            {
                Interlocked.Decrement(ref count.Value);
                return false;
            }
        }

        context.Items[AuthenticatedKey] = true;
        return true;
    }

    /// <summary>Whether the request authenticated a caller (so its address is not charged).</summary>
    public static bool IsAuthenticated(HttpContext context) => context?.Items.ContainsKey(AuthenticatedKey) == true;

    /// <summary>
    /// Takes one request from the address's budget; false past it. Every request is charged on arrival, so that a
    /// burst cannot slip in before it is counted; one that turns out to authenticate a caller is refunded
    /// (<see cref="RefundAddress"/>), so an authenticated caller holds at most its requests in flight.
    /// </summary>
    public bool TryTakeForAddress(HttpContext context, IPAddress? address)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = options.CurrentValue;
        if (!settings.Enabled || address is null)
        {
            return true;
        }

        var window = CurrentWindow();
        var count = window.Counts.GetOrAdd(address, static _ => new StrongBox<int>());
        context.Items[ChargeKey] = (window, count);
        return Interlocked.Increment(ref count.Value) <= Share(settings.AddressPerSecond) || Refusals.Mark(context, Telemetry.MetricWords.RateLimit);
    }

    /// <summary>Gives the address back the request it was charged, if the window it was charged in is still current.</summary>
    public void RefundAddress(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items.TryGetValue(ChargeKey, out var charge) && charge is (Window window, StrongBox<int> count) &&
            ReferenceEquals(window, _current))
        {
            Interlocked.Decrement(ref count.Value);
        }
    }

    private static readonly object ChargeKey = new();

    /// <summary>Whole seconds until the current window ends (what <c>Retry-After</c> says).</summary>
    public static string RetryAfterSeconds => "1";

    private bool Take(object key, int limit)
    {
        var count = CurrentWindow().Counts.GetOrAdd(key, static _ => new StrongBox<int>());
        return Interlocked.Increment(ref count.Value) <= Share(limit);
    }

    /// <summary>This instance's share of a deployment-wide limit (at least one request).</summary>
    private int Share(int limit) => Math.Max(1, (int)Math.Ceiling(limit / (double)instances.Count));

    private Window CurrentWindow()
    {
        var second = clock.GetUtcNow().ToUnixTimeSeconds();
        var window = _current;
        if (second <= window.Second)
        {
            // The current second, or a thread that read the clock just before the window moved on: never swap back.
            return window;
        }

        // A new second starts with empty counters; the old ones are dropped whole, so memory is bounded by the
        // number of distinct callers in one second.
        var fresh = new Window(second);
        var seen = Interlocked.CompareExchange(ref _current, fresh, window);
        return ReferenceEquals(seen, window) ? fresh : seen;
    }

    private sealed class Window(long second)
    {
        public long Second { get; } = second;

        public ConcurrentDictionary<object, StrongBox<int>> Counts { get; } = new();
    }

    /// <summary>
    /// The front door's half: every request but health is charged to its address on arrival and refused past the
    /// address's budget; when the request authenticated a caller, the address gets it back.
    /// </summary>
    internal static async Task LimitAsync(HttpContext context, RequestDelegate next, RequestBudgets budgets)
    {
        if (!budgets.Enabled || context.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        if (!budgets.TryTakeForAddress(context, context.Connection.RemoteIpAddress))
        {
            await RefuseAsync(context.Response, "Too many unauthenticated or failing requests from this address: slow down.");
            return;
        }

        try
        {
            await next(context);
        }
        finally
        {
            if (IsAuthenticated(context))
            {
                budgets.RefundAddress(context);
            }
        }
    }

    /// <summary>429 with <c>Retry-After</c> and the service's error body.</summary>
    internal static Task RefuseAsync(HttpResponse response, string description)
    {
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = RetryAfterSeconds;
        return response.WriteAsJsonAsync(new Api.ApiError(BruteForce.Error, description));
    }

    /// <summary>The description of a refusal for a credential past its budget.</summary>
    public static string CredentialRefusal(int perSecond) =>
        string.Create(CultureInfo.InvariantCulture, $"Too many requests for this credential (limit {perSecond} per second): slow down.");
}
