using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace TokenService.OAuth;

/// <summary>
/// Reports <c>expires_in</c> as the lifetime the TTL policy granted (rounded up to whole seconds).
/// OpenIddict derives it from the expiry date, which is truncated to seconds and can report one second less
/// than was granted, so a TTL change would not show exactly in the next token.
/// </summary>
public sealed class ExactExpiresIn : IOpenIddictServerHandler<ProcessSignInContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseSingletonHandler<ExactExpiresIn>()
            .SetOrder(OpenIddictServerHandlers.AttachSignInParameters.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessSignInContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IncludeAccessToken && context.Response.ExpiresIn is not null &&
            OpenIddict.Abstractions.OpenIddictExtensions.GetAccessTokenLifetime(context.Principal!) is { } lifetime)
        {
            context.Response.ExpiresIn = (long)Math.Ceiling(lifetime.TotalSeconds);
        }

        return default;
    }
}
