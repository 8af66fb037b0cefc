using OpenIddict.Abstractions;
using OpenIddict.Server;
using TokenService.Audit;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace TokenService.OAuth;

/// <summary>
/// The audit event of a revocation at <c>/revoke</c>, raised once OpenIddict revoked the token: the token's own
/// principal names its tenant and id, and the actor is the client that asked.
/// </summary>
public sealed class RecordRevocation(AuditLog audits, Telemetry.ServiceMetrics metrics) : IOpenIddictServerHandler<HandleRevocationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleRevocationRequestContext>()
            .UseScopedHandler<RecordRevocation>()
            .SetOrder(OpenIddictServerHandlers.Revocation.RevokeToken.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(HandleRevocationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsRejected || context.GenericTokenPrincipal is not { } token)
        {
            return;
        }

        metrics.Revoked("token", 1);
        await audits.RecordAsync(AuditKinds.TokenRevoked, Tokens.TokenClaims.ReadScope(token).OrgId,
            "token:" + token.GetTokenId(), $"of {token.GetClaim(OpenIddictConstants.Claims.Subject)}");
    }
}
