using OpenIddict.Abstractions;
using OpenIddict.Server;
using TokenService.Tokens;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace TokenService.OAuth;

/// <summary>
/// Wires <see cref="TokenReader"/> into OpenIddict's server pipeline (<c>/introspect</c> when it falls through the lean
/// path, <c>/revoke</c>): an access token the reader finds active is answered with its principal, and OpenIddict's own
/// handlers that read the database or the token run only for what the reader did not answer (refresh tokens, and
/// tokens that are not active, so that OpenIddict still owns every refusal).
/// </summary>
public static class ValidatedTokenCaching
{
    private const string FromReader = "TokenService:FromReader";

    /// <summary>
    /// OpenIddict's handlers that read the database or decrypt the token, re-registered so that they run only when
    /// the reader did not answer. Everything else (principal, expiry, presenters, audiences) still runs.
    /// </summary>
    public static IEnumerable<OpenIddictServerHandlerDescriptor> SkippedOnHit { get; } =
    [
        OpenIddictServerHandlers.Protection.ValidateReferenceTokenIdentifier.Descriptor,
        OpenIddictServerHandlers.Protection.ValidateIdentityModelToken.Descriptor,
        OpenIddictServerHandlers.Protection.RestoreTokenEntryProperties.Descriptor,
        OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor,
    ];

    public static OpenIddictServerHandlerDescriptor OnlyOnMiss(OpenIddictServerHandlerDescriptor descriptor) =>
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .Import(descriptor)
            .AddFilter<RequireCacheMiss>()
            .Build();

    private static bool AcceptsAccessTokens(ValidateTokenContext context) =>
        context.ValidTokenTypes.Count == 0 || context.ValidTokenTypes.Contains(TokenTypeIdentifiers.AccessToken);

    /// <summary>Runs a handler only when the reader did not answer the token.</summary>
    public sealed class RequireCacheMiss : IOpenIddictServerHandlerFilter<ValidateTokenContext>
    {
        public ValueTask<bool> IsActiveAsync(ValidateTokenContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            return ValueTask.FromResult(!context.Transaction.Properties.ContainsKey(FromReader));
        }
    }

    /// <summary>First: answers an active access token through the one token reader.</summary>
    public sealed class UseCachedToken(TokenReader reader) : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
            OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
                .UseScopedHandler<UseCachedToken>()
                .SetOrder(OpenIddictServerHandlers.Protection.ValidateReferenceTokenIdentifier.Descriptor.Order - 100)
                .SetType(OpenIddictServerHandlerType.Custom)
                .Build();

        public async ValueTask HandleAsync(ValidateTokenContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (context.IsRejected || string.IsNullOrEmpty(context.Token) || !AcceptsAccessTokens(context))
            {
                return;
            }

            var read = await reader.ReadAsync(context.Token, context.CancellationToken);
            if (read is { State: TokenState.Active, Token: { } token })
            {
                context.Principal = token.ClonePrincipal();
                context.IsReferenceToken = true;
                context.TokenId = context.Principal.GetTokenId();
                context.Transaction.Properties[FromReader] = true;
            }
        }
    }
}
