using Microsoft.AspNetCore;
using OpenIddict.Server;
using TokenService.OAuth;
using TokenService.Principals;

namespace TokenService.Compat;

/// <summary>
/// On <c>/{org}/{app}/token</c>, credentials of another tenant get nothing, even though they are valid: a principal
/// of another organization (or of another app of it) is refused before anything is charged or decided for it.
/// </summary>
public sealed class UsergridTenantRule : IGrantRule
{
    public string? Refuse(OpenIddictServerEvents.HandleTokenRequestContext context, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(caller);
        return context.Transaction.GetHttpRequest()?.HttpContext.Features.Get<UsergridTokenRequest>() is { Org: { } org } path &&
               (caller.Org != org || caller.App is { } app && app != path.App)
            ? "These credentials belong to another organization or application."
            : null;
    }
}
