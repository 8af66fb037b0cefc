using Microsoft.AspNetCore.Mvc.RazorPages;

namespace TokenService.Portal.Pages;

/// <summary>The sign-in form; its POST is <see cref="PortalSignIn"/>, which runs before routing.</summary>
public sealed class SignInModel : PageModel
{
    /// <summary>Why the form is shown again.</summary>
    public string? Message { get; private set; }

    public void OnGet(string? error, int? retry) => Message = error switch
    {
        PortalSignIn.Errors.Invalid => "The username or password is incorrect, or the user is not activated.",
        PortalSignIn.Errors.Locked => $"Too many failed attempts. Try again in {retry ?? 60} seconds.",
        PortalSignIn.Errors.Missing => "Enter a username and a password.",
        PortalSignIn.Errors.Unavailable => "The service could not sign you in just now. Try again shortly.",
        "ended" => "Your session has ended (it expired or its token was revoked). Sign in again.",
        "signedout" => "You are signed out.",
        _ => null,
    };
}
