using OpenIddict.Abstractions;
using OpenIddict.Server;
using TokenService.Callers;
using TokenService.Principals;
using TokenService.Tokens;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace TokenService.OAuth;

/// <summary>
/// Replaces OpenIddict's presenter/audience check at <c>/introspect</c>: a caller sees a token only when its
/// powers reach the token's tenant. Anything else is answered <c>{"active":false}</c>, exactly as for an
/// unknown token, so a foreign tenant learns nothing.
/// </summary>
public sealed class TenantScopedIntrospection(ClientDirectory directory)
    : IOpenIddictServerHandler<ValidateIntrospectionRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateIntrospectionRequestContext>()
            .UseScopedHandler<TenantScopedIntrospection>()
            .SetOrder(OpenIddictServerHandlers.Introspection.ValidateAuthorizedParty.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateIntrospectionRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!await TokenAccess.CallerReachesAsync(directory, context.ClientId, context.GenericTokenPrincipal, context.CancellationToken))
        {
            context.Reject(Errors.InvalidToken, "The token is not active.");
        }
    }
}

/// <summary>Counts every introspection answered by OpenIddict, active or not (errors, such as a bad client, are not answers).</summary>
public sealed class CountIntrospections(Telemetry.ServiceMetrics metrics) : IOpenIddictServerHandler<ApplyIntrospectionResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyIntrospectionResponseContext>()
            .UseSingletonHandler<CountIntrospections>()
            // After OpenIddict has turned an invalid token's error into {"active":false}, before the answer is written.
            .SetOrder(OpenIddictServerHandlers.Introspection.NormalizeErrorResponse.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ApplyIntrospectionResponseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if ((bool?)context.Response[Claims.Active] is { } active)
        {
            metrics.Introspected(active);
        }

        return default;
    }
}

/// <summary>Adds the service's own claims to an active introspection response.</summary>
public sealed class IntrospectionClaims : IOpenIddictServerHandler<HandleIntrospectionRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleIntrospectionRequestContext>()
            .UseSingletonHandler<IntrospectionClaims>()
            .SetOrder(OpenIddictServerHandlers.Introspection.AttachApplicationClaims.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleIntrospectionRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.GenericTokenPrincipal is not { } principal)
        {
            return default;
        }

        foreach (var type in (string[])[TokenClaims.PrincipalType, TokenClaims.Org, TokenClaims.App, TokenClaims.Username])
        {
            if (principal.GetClaim(type) is { } value)
            {
                context.Claims[type] = value;
            }
        }

        return default;
    }
}

/// <summary>
/// Replaces OpenIddict's presenter check at <c>/revoke</c>: the client that obtained the token or any caller
/// whose powers reach its tenant may revoke it. Others get RFC 7009's plain 200 and revoke nothing.
/// </summary>
public sealed class TenantScopedRevocation(ClientDirectory directory)
    : IOpenIddictServerHandler<ValidateRevocationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateRevocationRequestContext>()
            .UseScopedHandler<TenantScopedRevocation>()
            .SetOrder(OpenIddictServerHandlers.Revocation.ValidateAuthorizedParty.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateRevocationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!await TokenAccess.CallerReachesAsync(directory, context.ClientId, context.GenericTokenPrincipal, context.CancellationToken))
        {
            context.Reject(Errors.InvalidToken, "The token cannot be revoked by this client.");
        }
    }
}

internal static class TokenAccess
{
    public static async ValueTask<bool> CallerReachesAsync(
        ClientDirectory directory, string? clientId, System.Security.Claims.ClaimsPrincipal? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(clientId) || token is null)
        {
            return false;
        }

        return token.HasPresenter(clientId) ||
               Powers.CanSeeToken(clientId, await directory.FindAsync(clientId, cancellationToken), token.GetPresenters(), TokenClaims.ReadScope(token));
    }
}
