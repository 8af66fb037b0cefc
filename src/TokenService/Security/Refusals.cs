using TokenService.Telemetry;

namespace TokenService.Security;

/// <summary>
/// Counts the requests refused before their work (<c>tokenservice_refusals_total{reason}</c>), once per request, by how
/// the request ended: 413 is a body over the limit; 429 a rate limit when a budget refused it (it marks the request),
/// otherwise brute force (a locked identity or address); a transport refusal marks itself.
/// </summary>
public static class Refusals
{
    private static readonly object Key = new();

    /// <summary>Marks the request as refused for <paramref name="reason"/>; returns false, to end a check that refuses.</summary>
    public static bool Mark(HttpContext context, string reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Items[Key] = reason;
        return false;
    }

    internal static async Task CountAsync(HttpContext context, RequestDelegate next, ServiceMetrics metrics)
    {
        await next(context);
        var marked = context.Items.TryGetValue(Key, out var value) ? value as string : null;
        var reason = context.Response.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => MetricWords.BodySize,
            StatusCodes.Status429TooManyRequests => marked == MetricWords.RateLimit ? MetricWords.RateLimit : MetricWords.BruteForce,
            >= 400 when marked == MetricWords.Transport => MetricWords.Transport,
            _ => null,
        };
        if (reason is not null)
        {
            metrics.Refused(reason);
        }
    }
}
