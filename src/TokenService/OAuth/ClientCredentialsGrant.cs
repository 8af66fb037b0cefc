using OpenIddict.Abstractions;
using OpenIddict.Server;
using TokenService.Callers;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace TokenService.OAuth;

/// <summary>
/// Issues the token of a <c>client_credentials</c> request. OpenIddict has already authenticated the client
/// and checked its permissions; this stamps the tenant on the token and applies the TTL policy.
/// </summary>
public sealed class ClientCredentialsGrant(ClientDirectory directory, TtlPolicy ttlPolicy)
    : IOpenIddictServerHandler<HandleTokenRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleTokenRequestContext>()
            .UseScopedHandler<ClientCredentialsGrant>()
            .SetOrder(int.MinValue + 100_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(HandleTokenRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.IsClientCredentialsGrantType())
        {
            return;
        }

        var caller = await directory.FindAsync(context.ClientId!, context.CancellationToken);
        if (caller?.Type is not (PrincipalType.OrgClient or PrincipalType.AppClient))
        {
            context.Reject(Errors.UnauthorizedClient, "This client may not obtain tokens.");
            return;
        }

        if (!TokenRequests.TryGetTtl(context.Request, out var requestedTtl))
        {
            context.Reject(Errors.InvalidRequest, "ttl must be sent at most once.");
            return;
        }

        var decision = await ttlPolicy.DecideAsync(caller, requestedTtl, context.CancellationToken);
        if (decision.Error is not null)
        {
            context.Reject(Errors.InvalidRequest, decision.Error);
            return;
        }

        var principal = TokenClaims.CreatePrincipal(caller);
        if (decision.Lifetime is { } lifetime)
        {
            // Whole seconds for OpenIddict's own bookkeeping; ExactLifetime applies the milliseconds.
            principal.SetAccessTokenLifetime(TimeSpan.FromSeconds(Math.Ceiling(lifetime.TotalSeconds)));
        }

        ExactLifetime.Grant(context.Transaction, decision.Lifetime);
        context.SignIn(principal);
    }
}

/// <summary>Reading the service's own token request parameters.</summary>
public static class TokenRequests
{
    /// <summary>The raw <c>ttl</c> parameter; false when it was sent more than once.</summary>
    public static bool TryGetTtl(OpenIddictRequest request, out string? ttl)
    {
        ArgumentNullException.ThrowIfNull(request);
        ttl = null;
        if (request.GetParameter("ttl") is not { } parameter)
        {
            return true;
        }

        // Form-encoded duplicates arrive as an array: refuse them rather than guess which value was meant.
        var values = (Microsoft.Extensions.Primitives.StringValues?)parameter;
        if (values is { Count: > 1 })
        {
            return false;
        }

        ttl = values is { Count: 1 } single ? single[0] : (string?)parameter;
        return true;
    }
}
