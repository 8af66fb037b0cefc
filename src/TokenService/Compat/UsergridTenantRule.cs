using Microsoft.AspNetCore;
using OpenIddict.Server;
using TokenService.OAuth;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace TokenService.Compat;

/// <summary>
/// On <c>/{org}/{app}/token</c>, credentials of another tenant get nothing, even though they are valid: once the grant
/// has decided who the token is for, a principal of another organization (or another app of it) is refused.
/// </summary>
public sealed class UsergridTenantRule : IOpenIddictServerHandler<HandleTokenRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleTokenRequestContext>()
            .UseSingletonHandler<UsergridTenantRule>()
            .SetOrder(GrantIssuer.GrantOrder + 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleTokenRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Transaction.GetHttpRequest()?.HttpContext.Features.Get<UsergridTokenRequest>() is { Org: { } org } path &&
            GrantIssuer.IssuedToOf(context.Transaction) is { } caller &&
            (caller.Org != org || caller.App is { } app && app != path.App))
        {
            context.Reject(Errors.InvalidGrant, "These credentials belong to another organization or application.");
        }

        return default;
    }
}
