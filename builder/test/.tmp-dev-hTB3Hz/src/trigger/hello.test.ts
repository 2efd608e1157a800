// Test files are not task files: importing this would fail the index.
throw new Error("hello.test.ts must not be bundled");
