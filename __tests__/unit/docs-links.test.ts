/** The README and docs/ link only inside the repository (scripts/check-links.ts, run by npm run lint). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { anchorsOf, badLinks, documentationFiles } from '../../scripts/check-links';

describe('links in the documentation', () => {
  it('the README and every page under docs/ link only to files and headings of the repository', () => {
    const files = documentationFiles();
    expect(files.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['README.md', 'api-guide.md', 'development.md']));
    expect(badLinks(files)).toEqual([]);
  });

  describe('the check', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'backendapi-links-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const check = (markdown: string): string[] => {
      mkdirSync(path.join(root, 'docs'), { recursive: true });
      writeFileSync(path.join(root, 'docs', 'guide.md'), '# Guide\n\n## Node.js versions\n\n## Node.js versions\n');
      writeFileSync(path.join(root, 'README.md'), markdown);
      return badLinks([path.join(root, 'README.md')], root);
    };

    it('accepts relative links to files, folders and headings, and addresses written as code', () => {
      expect(
        check(
          '# Top\n[guide](docs/guide.md) [folder](docs/) [v](docs/guide.md#nodejs-versions) [again](docs/guide.md#nodejs-versions-1) ' +
            '[up](#top) `http://localhost:3000/docs`\n```sh\ncurl https://example.com\n```\n',
        ),
      ).toEqual([]);
    });

    it.each([
      ['[site](https://example.com/page)', 'a link out of the repository: https://example.com/page'],
      ['<https://example.com>', 'a link out of the repository: https://example.com'],
      ['[mail](mailto:a@b.c)', 'a link out of the repository: mailto:a@b.c'],
      ['see https://example.com/x for more', 'a web address: https://example.com/x'],
      ['[contract](../shared/api-contract.md)', 'a link out of the repository: ../shared/api-contract.md'],
      ['[gone](docs/nothing.md)', 'no such file: docs/nothing.md'],
      ['[anchor](docs/guide.md#no-such-heading)', 'no heading #no-such-heading in docs/guide.md'],
      ['[ref]: https://example.com', 'a link out of the repository: https://example.com'],
    ])('refuses %s', (markdown, problem) => {
      expect(check(`${markdown}\n`)).toEqual([`README.md: ${problem}`]);
    });
  });

  it('makes anchors the way GitHub does', () => {
    expect([...anchorsOf('# The OpenAPI document, Swagger UI, the typed client\n## Benchmark (`npm run bench`)\n')]).toEqual([
      'the-openapi-document-swagger-ui-the-typed-client',
      'benchmark-npm-run-bench',
    ]);
  });
});
