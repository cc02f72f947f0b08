/**
 * The whole site as one Web-standard handler: the proxy under `/api/persistent-chat/`, the
 * dev login routes, the `/login` page and the built app. Routing and headers only.
 */
import { renderLoginPage } from './login-page'
import { errorResponse } from './proxy/errors'
import type { ProxyHandler } from './proxy/proxy'
import { addCommonSecurityHeaders, addHtmlSecurityHeaders } from './security-headers'
import type { DevSession } from './session'
import type { StaticFiles } from './static-files'

/** @public Parts of {@link createSiteHandler}. */
export interface SiteOptions {
  proxy: ProxyHandler
  session: DevSession
  staticFiles: StaticFiles
}

/** @public Creates the site handler mounted by `startServer`. */
export function createSiteHandler(options: SiteOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    // Every response here is built by our own code, so its headers are mutable; adding to
    // them in place keeps streamed bodies untouched.
    const response = await route(options, request)
    addCommonSecurityHeaders(response.headers)
    if ((response.headers.get('content-type') ?? '').startsWith('text/html')) {
      addHtmlSecurityHeaders(response.headers)
    }
    return response
  }
}

async function route(options: SiteOptions, request: Request): Promise<Response> {
  const url = new URL(request.url)
  const { pathname } = url

  if (pathname.startsWith('/api/persistent-chat/')) return options.proxy(request)
  if (pathname === '/api/dev/login' || pathname === '/api/dev/logout') {
    if (request.method !== 'POST') {
      return errorResponse(405, 'method_not_allowed', 'Use POST.', { allow: 'POST' })
    }
    return pathname === '/api/dev/login' ? options.session.login(request) : options.session.logout(request)
  }
  if (pathname.startsWith('/api/')) return errorResponse(404, 'not_found', 'No such route.')

  if (pathname === '/login') {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return errorResponse(405, 'method_not_allowed', 'Use GET.', { allow: 'GET, HEAD' })
    }
    const user = await options.session.authenticate(request)
    const html = renderLoginPage({
      next: url.searchParams.get('next') ?? undefined,
      error: url.searchParams.get('error') ?? undefined,
      signedInAs: user?.userId,
    })
    return new Response(request.method === 'HEAD' ? null : html, {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
    })
  }

  const file = await options.staticFiles(request)
  if (file !== undefined) return file
  if (pathname === '/' || pathname === '/index.html') {
    return new Response('The app is not built yet: run `npm run build` (or `npm start`).\n', {
      status: 503,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    })
  }
  return new Response('Not found\n', {
    status: 404,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  })
}
