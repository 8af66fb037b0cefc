using OpenIddict.Server;
using TokenService.Tokens;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace TokenService.OAuth;

/// <summary>
/// Refuses a token that cannot be one of ours before OpenIddict looks it up: every token this service issues is a
/// reference identifier of a fixed shape, so anything else is answered (introspection: <c>{"active":false}</c>)
/// without a database read — garbage must not cost what a real token costs.
/// </summary>
public sealed class RefuseMalformedTokens : IOpenIddictServerHandler<ValidateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseSingletonHandler<RefuseMalformedTokens>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateReferenceTokenIdentifier.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ValidateTokenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!ReferenceTokens.IsWellFormed(context.Token ?? ""))
        {
            context.Reject(Errors.InvalidToken, "The specified token is invalid.");
        }

        return default;
    }
}
