using TokenService.Telemetry;

namespace TokenService.Security;

/// <summary>
/// Counts the requests refused before their work (<c>tokenservice_refusals_total{reason}</c>), once per request. Where
/// the refusal is decided, the request is marked with its reason (a budget's rate limit, the transport's rule, a lockout
/// a page or the access check answers in its own words); otherwise the request's end tells: 413 is a body over the limit,
/// 429 brute force (a locked identity or address).
/// </summary>
public static class Refusals
{
    private static readonly object Key = new();

    /// <summary>
    /// Marks the request as refused for <paramref name="reason"/>, unless an earlier refusal marked it (the first
    /// decides: a rate-limited sign-in is not also a lockout); returns false, to end a check that refuses.
    /// </summary>
    public static bool Mark(HttpContext context, string reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Items.TryAdd(Key, reason);
        return false;
    }

    internal static async Task CountAsync(HttpContext context, RequestDelegate next, ServiceMetrics metrics)
    {
        await next(context);
        var marked = context.Items.TryGetValue(Key, out var value) ? value as string : null;
        var reason = marked ?? context.Response.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => MetricWords.BodySize,
            StatusCodes.Status429TooManyRequests => MetricWords.BruteForce,
            _ => null,
        };
        if (reason is not null)
        {
            metrics.Refused(reason);
        }
    }
}
