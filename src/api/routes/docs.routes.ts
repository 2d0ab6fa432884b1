/**
 * GET /openapi.json (the OpenAPI document) and GET /docs (Swagger UI on it, its assets under
 * /docs/), and GET / and /problems (home.routes.ts). Public, outside /api/v1. Swagger UI's page
 * gets its own Content-Security-Policy.
 */
import { Router, type RequestHandler } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import { access } from '../access';
import { only } from '../methods';
import type { OpenApiDocument } from '../openapi';
import { homeRoutes } from './home.routes';

const SWAGGER_OPTIONS = {
  // No badge from validator.swagger.io (and no request to it).
  validatorUrl: null,
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
  displayOperationId: true,
  filter: true,
};

/**
 * Helmet's defaults apply everywhere else. Swagger UI loads its script, styles and the document
 * from this server; it needs inline styles and data: images (already allowed by the defaults), and
 * no upgrade to https, so that it also works on a plain-http development server.
 */
const swaggerCsp: RequestHandler = helmet.contentSecurityPolicy({
  useDefaults: true,
  directives: {
    'script-src': ["'self'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'connect-src': ["'self'"],
    'upgrade-insecure-requests': null,
  },
});

export function docsRoutes(document: OpenApiDocument): Router {
  const router = Router();
  router.use(homeRoutes());
  const json = JSON.stringify(document);
  router
    .route('/openapi.json')
    .get(access('public'), (_req, res) => {
      res.type('application/json').send(json);
    })
    .all(only('GET', 'HEAD'));

  // The page's asset links are relative (./swagger-ui.css); <base> makes /docs and /docs/ both work.
  const html = swaggerUi
    .generateHTML(undefined, { swaggerUrl: '/openapi.json', customSiteTitle: 'backendapi API', swaggerOptions: SWAGGER_OPTIONS })
    .replace('<head>', '<head>\n  <base href="/docs/">');
  router
    .route('/docs')
    .get(access('public'), swaggerCsp, (_req, res) => {
      res.type('html').send(html);
    })
    .all(only('GET', 'HEAD'));
  router.use('/docs', swaggerCsp, ...swaggerUi.serveFiles(undefined, { swaggerUrl: '/openapi.json', swaggerOptions: SWAGGER_OPTIONS }));
  return router;
}
