// CloudFront Function (cloudfront-js-2.0), viewer request of the console's default behaviour.
// The console is a single-page app under /console/: its screens are client-side paths
// (/console/leads/123) that S3 does not hold, so every path whose last segment has no dot,
// and the bare / and /console, is served /console/index.html. Files (/console/assets/a.js,
// /console/config.json) pass unchanged.
// biome-ignore lint/correctness/noUnusedVariables: CloudFront calls handler by name.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var last = uri.slice(uri.lastIndexOf('/') + 1);
  if (uri === '/' || uri === '/console' || (uri.indexOf('/console/') === 0 && last.indexOf('.') === -1)) {
    request.uri = '/console/index.html';
  }
  return request;
}
