// "Use my current location": fills the latitude and longitude fields from the phone's
// location, if the reporter is still at the scene. No map tiles or third-party service; the
// fields work on their own without JavaScript.
function enhance(container) {
  if (!("geolocation" in navigator)) return;
  const lat = container.querySelector('input[name="latitude"]');
  const lon = container.querySelector('input[name="longitude"]');
  const button = document.createElement("button");
  button.type = "button";
  button.className = "govuk-button govuk-button--secondary";
  button.textContent = "Use my current location";
  const status = document.createElement("p");
  status.className = "govuk-body-s";
  status.setAttribute("aria-live", "polite");
  button.addEventListener("click", () => {
    status.textContent = "Finding your location…";
    navigator.geolocation.getCurrentPosition(
      (position) => {
        lat.value = position.coords.latitude.toFixed(5);
        lon.value = position.coords.longitude.toFixed(5);
        status.textContent = `Location added (accurate to about ${Math.round(position.coords.accuracy)} metres). Only use it if you are where it happened.`;
      },
      () => { status.textContent = "Your location could not be found. Type it in instead, or leave it blank."; },
      { enableHighAccuracy: true, timeout: 15000 },
    );
  });
  container.append(button, status);
}

document.querySelectorAll('[data-module="lantern-location"]').forEach(enhance);
