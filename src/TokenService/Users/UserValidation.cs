namespace TokenService.Users;

/// <summary>The rules for user bodies, one place for admin users and app users; each returns a sentence or null.</summary>
public static class UserValidation
{
    /// <summary>An admin user needs a username, an email and a password.</summary>
    public static string? ValidateAdminCreate(CreateUserRequest? body) =>
        body is null
            ? "username, email and password are required."
            : UserNames.ValidateUsername(body.Username) ?? UserNames.ValidateEmail(body.Email, required: true) ??
              Passwords.Validate(body.Password) ?? ValidateName(body.Name);

    /// <summary>An app user needs a username and a password; the email is optional.</summary>
    public static string? ValidateAppUserCreate(CreateUserRequest? body) =>
        body is null
            ? "The body must be a JSON object with username and password."
            : UserNames.ValidateUsername(body.Username) ?? UserNames.ValidateEmail(body.Email, required: false) ??
              Passwords.Validate(body.Password) ?? ValidateName(body.Name);

    public static string? ValidateUpdate(UpdateUserRequest? body) =>
        body is null
            ? "The body must be a JSON object."
            : UserNames.ValidateEmail(body.Email, required: false) ??
              (body.Password is null ? null : Passwords.Validate(body.Password)) ?? ValidateName(body.Name);

    public static string? ValidateName(string? name) =>
        name is { Length: > Data.Limits.DisplayNameLength } ? "name must be at most 256 characters." : null;
}
