using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using TokenService.Api;
using TokenService.Principals;

namespace TokenService.Portal;

/// <summary>
/// A page for a signed-in admin user or the superuser. The caller is resolved from the session before any handler
/// runs, the same way the API resolves a bearer token; a session whose token expired or was revoked is ended here.
/// Actions call the management API's handlers and read their typed results, so the portal has no rules of its own.
/// </summary>
public abstract class PortalPage : PageModel
{
    /// <summary>The signed-in caller.</summary>
    public Caller Caller { get; private set; } = Caller.Guest;

    /// <summary>Why the page shows nothing of what was asked (403, 404), when it does not.</summary>
    public ApiError? Refused { get; private set; }

    /// <summary>A message from the action before the redirect (read once).</summary>
    [TempData]
    public string? Notice { get; set; }

    /// <summary>An action's refusal, from before the redirect (read once).</summary>
    [TempData]
    public string? Problem { get; set; }

    /// <summary>A secret just created or regenerated: shown on the next page, once, and never again.</summary>
    [TempData]
    public string? Secret { get; set; }

    /// <summary>Whose secret <see cref="Secret"/> is.</summary>
    [TempData]
    public string? SecretOf { get; set; }

    /// <summary>The one page that shows <see cref="Secret"/>: any other page that reads it first drops it unshown.</summary>
    [TempData]
    public string? SecretPage { get; set; }

    /// <summary>The secret to show on this page, if it is this page's.</summary>
    public string? SecretHere => Secret is not null && SecretPage == Request.Path.Value ? Secret : null;

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var resolved = await HttpContext.RequestServices.GetRequiredService<PortalSession>().ResolveAsync(HttpContext);
        if (resolved is null)
        {
            context.Result = Redirect(PortalSignIn.Path);
            return;
        }

        if (resolved.Failure is { } failure)
        {
            if (failure.Status == StatusCodes.Status429TooManyRequests)
            {
                context.Result = new ContentResult { StatusCode = failure.Status, Content = failure.Description, ContentType = "text/plain; charset=utf-8" };
                return;
            }

            // Expired or revoked (an admin's revoketokens, deactivation): the session ends with its token.
            await PortalSession.EndAsync(HttpContext);
            context.Result = Redirect(PortalSignIn.Path + "?error=ended");
            return;
        }

        Caller = resolved.Caller!;
        await next();
    }

    /// <summary>The value of a management handler's result, or null with the page set to show its refusal.</summary>
    protected T? Read<T>(IResult result) where T : class
    {
        ArgumentNullException.ThrowIfNull(result);
        switch (result)
        {
            case IValueHttpResult<T> { Value: { } value }:
                return value;
            case Refusal refusal:
                Refused = refusal.Error;
                HttpContext.Response.StatusCode = refusal.StatusCode;
                return null;
            default:
                throw new InvalidOperationException($"Unexpected result {result.GetType().Name}.");
        }
    }

    /// <summary>After an action: back to <paramref name="page"/> with its message, or with the refusal's.</summary>
    protected IActionResult After(IResult result, string done, string page)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result is Refusal refusal)
        {
            Problem = refusal.Error.ErrorDescription;
        }
        else
        {
            Notice = done;
        }

        return LocalRedirect(page);
    }

    /// <summary>Remembers a secret for the next page only, and only for <paramref name="page"/>.</summary>
    protected void ShowOnce(string? secret, string of, string page)
    {
        Secret = secret;
        SecretOf = of;
        SecretPage = page;
    }

    /// <summary>The service's base URL as the browser reached it (the proxies' forwarded scheme and host included).</summary>
    public string BaseUrl => $"{Request.Scheme}://{Request.Host}{Request.PathBase}";
}

/// <summary>Token lifetimes in the units people think in, and back to the milliseconds the API takes.</summary>
public static class TtlUnits
{
    /// <summary>The units offered, largest first, in milliseconds.</summary>
    public static readonly (string Name, long Milliseconds)[] Units =
    [
        ("days", 86_400_000), ("hours", 3_600_000), ("minutes", 60_000), ("seconds", 1_000), ("milliseconds", 1),
    ];

    /// <summary>"2 hours", "never expires", "service default (7 days)".</summary>
    public static string Describe(long? milliseconds, long serviceDefault) => milliseconds switch
    {
        null => $"service default ({Describe(serviceDefault, serviceDefault)})",
        0 => "never expires",
        var ms => Split(ms.Value) is var (amount, unit) ? $"{amount:N0} {(amount == 1 ? unit.TrimEnd('s') : unit)}" : "",
    };

    /// <summary>The largest unit that expresses <paramref name="milliseconds"/> exactly.</summary>
    public static (long Amount, string Unit) Split(long milliseconds)
    {
        foreach (var (name, size) in Units)
        {
            if (milliseconds % size == 0)
            {
                return (milliseconds / size, name);
            }
        }

        return (milliseconds, "milliseconds");
    }

    /// <summary>Milliseconds of <paramref name="amount"/> <paramref name="unit"/>, or null when that is not a lifetime.</summary>
    public static long? ToMilliseconds(long amount, string? unit)
    {
        var size = Units.FirstOrDefault(u => u.Name == unit).Milliseconds;
        if (size == 0 || amount < 0)
        {
            return null;
        }

        try
        {
            return checked(amount * size);
        }
        catch (OverflowException)
        {
            return null;
        }
    }
}
