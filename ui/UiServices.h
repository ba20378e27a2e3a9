#pragma once

namespace keystead {
class ApiEndpoint;
class Clock;
class SettingsStore;
class TokenService;
} // namespace keystead

namespace keystead::ui {

// The core objects the window works with, built by app/ and passed in; they outlive the window.
struct UiServices
{
    SettingsStore &settings;
    TokenService &tokens;
    ApiEndpoint &endpoint;
    const Clock &clock;
};

} // namespace keystead::ui
